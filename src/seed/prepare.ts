import { count } from "drizzle-orm";
import { aggregators } from "@db/schema";
import type { Connection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
// The sync alone, not the learning domain's index: `npm start` should not load certificates and PDF fonts to
// compare a few hashes. The seed is loaded only for an empty database.
import { describeSync, syncCourses } from "@/learning/sync";
import { readBuiltCourses } from "@/learning/built-courses";

/**
 * Migrates, records course structure changes (always: content/courses may
 * have changed since the last start; the structures come from the build's
 * dist/courses.json, one query when nothing changed), then seeds the demonstration data when
 * the database has none. Used by `npm start`.
 */
export async function prepareDatabase(conn: Connection, root: string, progress: (m: string) => void = () => {}) {
  progress("applicazione delle migrazioni");
  await applyMigrations(conn, root);
  progress(`corsi: ${describeSync(await syncCourses(conn.db, root, await readBuiltCourses(root)))}`);
  const [row] = await conn.db.select({ n: count() }).from(aggregators);
  if ((row?.n ?? 0) > 0) return { seeded: false, summaries: [] as string[] };
  const { seedDatabase } = await import("@/seed");
  const summaries = await seedDatabase(conn.db, { root, progress });
  return { seeded: true, summaries };
}
