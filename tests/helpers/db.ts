/** A fresh, migrated libSQL file database in a temporary folder, per test file. */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase, useConnection, type Connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface TestDatabase extends Connection {
  dir: string;
  cleanup(): Promise<void>;
}

export async function createTestDatabase(options: { seed?: boolean; url?: string } = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-test-"));
  const conn = await openDatabase(options.url ?? `file:${path.join(dir, "test.db")}`);
  await applyMigrations(conn, ROOT);
  if (options.seed) await seedDatabase(conn.db, { root: ROOT });
  // Domain modules that call getDb() see this database too.
  useConnection(conn);
  return {
    ...conn,
    dir,
    async cleanup() {
      conn.client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
