import path from "node:path";
import type { Connection } from "@/lib/db";
import { config } from "@/config";
import { refreshSearchStems } from "@/catalog/fts";

/**
 * Applies pending migrations from db/migrations; already applied ones are skipped.
 * Then completes what SQL cannot do: the Italian stems of the catalog search index.
 */
export async function applyMigrations(conn: Connection, root = config().root): Promise<void> {
  await conn.migrate(path.join(root, "db/migrations"));
  await refreshSearchStems(conn.db);
}
