import path from "node:path";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Connection } from "@/lib/db";
import { config } from "@/config";

/** Applies pending migrations from db/migrations; already applied ones are skipped. */
export async function applyMigrations(conn: Connection, root = config().root): Promise<void> {
  await migrate(conn.db, { migrationsFolder: path.join(root, "db/migrations") });
}
