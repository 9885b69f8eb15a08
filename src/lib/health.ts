import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { log, errorMessage } from "@/lib/log";

/** Reads one row through the same connection the pages use. */
export async function checkDatabase(): Promise<{ ok: boolean }> {
  try {
    const db = await getDb();
    await db.run(sql`select count(*) from __drizzle_migrations`);
    return { ok: true };
  } catch (error) {
    log("error", "health.database", { error: errorMessage(error) });
    return { ok: false };
  }
}
