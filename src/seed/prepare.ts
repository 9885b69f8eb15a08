import { count } from "drizzle-orm";
import { aggregators } from "@db/schema";
import type { Connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";
import { describeSync, syncCourses } from "@/learning";

/**
 * Migrates, records course structure changes (always: content/courses may
 * have changed since the last start), then seeds the demonstration data when
 * the database has none. Used by `npm start`.
 */
export async function prepareDatabase(conn: Connection, root: string, progress: (m: string) => void = () => {}) {
  progress("applicazione delle migrazioni");
  await applyMigrations(conn, root);
  progress(`corsi: ${describeSync(await syncCourses(conn.db, root))}`);
  const [row] = await conn.db.select({ n: count() }).from(aggregators);
  if ((row?.n ?? 0) > 0) return { seeded: false, summaries: [] as string[] };
  const summaries = await seedDatabase(conn.db, { root, progress });
  return { seeded: true, summaries };
}
