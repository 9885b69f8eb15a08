/**
 * Which database a test's domain calls reach. Domain functions get the
 * database through `getDb()`, the process-wide connection; a test chooses it
 * explicitly, once, in its own setup:
 *
 *   const tdb = await createTestDatabase();        // a fresh database, now getDb()'s
 *   const site = await startSite();
 *   const conn = await useSiteDatabase(site);      // the running site's database, now getDb()'s
 *
 * No helper swaps it behind the test's back; helpers that write through domain
 * functions (createUserWithRole, signedInAs) use whatever the test chose.
 */
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

/** Creates a fresh, migrated database in a temporary folder and makes it the process-wide one (getDb()). */
export async function createTestDatabase(options: { seed?: boolean; url?: string } = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-test-"));
  const conn = await openDatabase(options.url ?? `file:${path.join(dir, "test.db")}`);
  await applyMigrations(conn, ROOT);
  if (options.seed) await seedDatabase(conn.db, { root: ROOT });
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

/** Opens a started site's database and makes it the process-wide one (getDb()); the caller closes it. */
export async function useSiteDatabase(site: { databaseUrl: string }): Promise<Connection> {
  const conn = await openDatabase(site.databaseUrl);
  useConnection(conn);
  return conn;
}
