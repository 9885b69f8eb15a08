/**
 * Periodic steps beside sending: expiry and ceiling warnings for watched
 * conventions, and purging subscriptions nobody confirmed.
 */
import { and, eq, inArray, lt } from "drizzle-orm";
import { conventions, conventionWatches, subscribers } from "@db/schema";
import { transactionsSettled, type Database } from "@/lib/db";
import { formatDate } from "@/lib/format";
import { addDays, todayInItaly } from "@/lib/dates";
import { announce } from "@/outbox";

/** Days before the end date at which a warning goes out (tightest first). */
const EXPIRY_THRESHOLDS_DAYS = [30, 90] as const;
/** Share of the ceiling used at which a warning goes out (highest first). */
const CEILING_THRESHOLDS_PCT = [95, 80] as const;

export interface ConventionFacts {
  id: number;
  endDate: string | null;
  ceilingValue: number | null;
  usedValue: number | null;
}

export interface Warning {
  eventKey: string;
  kind: "expiry" | "ceiling";
  threshold: number;
}

/**
 * The warnings a convention deserves today: only the tightest threshold
 * reached for each measure, so someone who starts watching 20 days before
 * the end gets "30 days", not "90 days" and "30 days" at once.
 */
export function dueWarnings(convention: ConventionFacts, today: string): Warning[] {
  const warnings: Warning[] = [];
  if (convention.endDate && convention.endDate >= today) {
    const days = EXPIRY_THRESHOLDS_DAYS.find((d) => convention.endDate! <= addDays(today, d));
    if (days !== undefined) warnings.push({ eventKey: `expiry:${convention.id}:${days}d`, kind: "expiry", threshold: days });
  }
  if (convention.ceilingValue && convention.ceilingValue > 0 && convention.usedValue !== null) {
    const used = (convention.usedValue / convention.ceilingValue) * 100;
    const pct = CEILING_THRESHOLDS_PCT.find((p) => used >= p);
    if (pct !== undefined) warnings.push({ eventKey: `ceiling:${convention.id}:${pct}pct`, kind: "ceiling", threshold: pct });
  }
  return warnings;
}

/**
 * Writes an `expiry` announcement per due warning of every active convention
 * that a confirmed subscriber watches. The event key makes each one unique,
 * so running this as often as we like announces each threshold once.
 */
export async function createExpiryWarnings(db: Database, now = new Date()): Promise<number> {
  const today = todayInItaly(now);
  const watched = db
    .selectDistinct({ id: conventionWatches.conventionId })
    .from(conventionWatches)
    .innerJoin(subscribers, eq(subscribers.id, conventionWatches.subscriberId))
    .where(eq(subscribers.status, "confirmed"));
  const rows = await db
    .select({
      id: conventions.id,
      slug: conventions.slug,
      title: conventions.title,
      endDate: conventions.endDate,
      ceilingValue: conventions.ceilingValue,
      usedValue: conventions.usedValue,
      categoryId: conventions.categoryId,
      aggregatorId: conventions.aggregatorId,
    })
    .from(conventions)
    .where(and(eq(conventions.status, "active"), inArray(conventions.id, watched)));
  let created = 0;
  for (const convention of rows) {
    for (const warning of dueWarnings(convention, today)) {
      const title =
        warning.kind === "expiry"
          ? `«${convention.title}» scade il ${formatDate(convention.endDate!)}`
          : `«${convention.title}» ha usato almeno il ${warning.threshold}% del massimale`;
      const summary =
        warning.kind === "expiry"
          ? `Mancano al massimo ${warning.threshold} giorni alla scadenza: è il momento di programmare l'acquisto successivo.`
          : "Il massimale della convenzione sta per esaurirsi: gli ordini potrebbero non essere più accettati.";
      await transactionsSettled();
      const inserted = await announce(db, {
        kind: "expiry",
        eventKey: warning.eventKey,
        entityType: "convention",
        entityId: convention.id,
        title,
        summary,
        path: `/convenzioni/${convention.slug}`,
        categoryId: convention.categoryId,
        aggregatorIds: [convention.aggregatorId],
      });
      if (inserted) created += 1;
    }
  }
  return created;
}

/** Deletes pending subscriptions whose confirmation link has expired (they never consented fully). */
export async function purgeUnconfirmed(db: Database, now = new Date()): Promise<number> {
  await transactionsSettled();
  const removed = await db
    .delete(subscribers)
    .where(and(eq(subscribers.status, "pending"), lt(subscribers.confirmExpiresAt, now)))
    .returning({ id: subscribers.id });
  return removed.length;
}
