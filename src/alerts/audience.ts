/**
 * Who an announcement would reach if it were published now: the same confirmed subscribers and the same
 * matching rule as the fan-out (src/alerts/worker.ts), split by frequency. Used by the press editor before
 * publishing.
 */
import { and, eq, gt, inArray } from "drizzle-orm";
import { aggregators, subscribers } from "@db/schema";
import { getDb } from "@/lib/db";
import { matchesInterests, type Interests } from "./matching";

export interface Audience {
  /** Would get a message at once. */
  immediate: number;
  /** Would find it in their weekly digest. */
  weekly: number;
}

const BATCH = 2000;

/** The audience of a press item with these tags (first category, tagged aggregators and their regions, as publishing announces it). */
export async function pressAudience(tags: { aggregators: string[]; categories: string[] }): Promise<Audience> {
  const db = await getDb();
  const regions = tags.aggregators.length
    ? (await db.selectDistinct({ region: aggregators.region }).from(aggregators).where(inArray(aggregators.id, tags.aggregators))).map((r) => r.region)
    : [];
  const facts = { kind: "press" as const, categoryId: tags.categories[0] ?? null, aggregatorIds: tags.aggregators, regions };
  const out: Audience = { immediate: 0, weekly: 0 };
  for (let after = 0; ; ) {
    const rows = await db
      .select({ id: subscribers.id, frequency: subscribers.frequency, interests: subscribers.interests })
      .from(subscribers)
      .where(and(eq(subscribers.status, "confirmed"), gt(subscribers.id, after)))
      .orderBy(subscribers.id)
      .limit(BATCH);
    for (const row of rows) if (matchesInterests(row.interests as Interests, facts)) out[row.frequency] += 1;
    if (rows.length < BATCH) return out;
    after = rows[rows.length - 1]!.id;
  }
}
