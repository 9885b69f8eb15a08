/**
 * Periodic steps beside sending: expiry and ceiling warnings for watched
 * conventions, exhaustion and expiry warnings for watched lots, and purging
 * subscriptions nobody confirmed.
 */
import { and, eq, gt, inArray, lt } from "drizzle-orm";
import { conventionLots, conventions, conventionWatches, subscribers, type ConventionStatus } from "@db/schema";
import { effectiveLotStatus, LOT_NEARLY_EXHAUSTED_PCT, lotTitle } from "@/catalog";
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
    .where(and(eq(subscribers.status, "confirmed"), eq(conventionWatches.lotNumber, 0)));
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

export interface LotFacts {
  conventionId: number;
  number: number;
  /** The lot's own status, or the convention's when the lot has none. */
  status: ConventionStatus;
  ceilingValue: number | null;
  usedValue: number | null;
  /** The lot's end date, or the convention's. */
  endDate: string | null;
}

export interface LotWarning {
  eventKey: string;
  kind: "nearly_exhausted" | "exhausted" | "expired";
}

/**
 * The warning a watched lot deserves today, if any: expired or exhausted
 * when it is (whatever was last saved, see `effectiveLotStatus`), otherwise
 * "nearly exhausted" once its share used reaches LOT_NEARLY_EXHAUSTED_PCT.
 * Each has its own event key, so each reaches a watcher once.
 */
export function dueLotWarning(lot: LotFacts, today: string): LotWarning | null {
  const key = `lot:${lot.conventionId}:${lot.number}`;
  const status = effectiveLotStatus(lot.status, lot, today);
  if (status === "expired") return { eventKey: `${key}:expired`, kind: "expired" };
  if (status === "exhausted") return { eventKey: `${key}:exhausted`, kind: "exhausted" };
  if (status !== "active" || !lot.ceilingValue || lot.usedValue === null) return null;
  if ((lot.usedValue / lot.ceilingValue) * 100 >= LOT_NEARLY_EXHAUSTED_PCT) return { eventKey: `${key}:${LOT_NEARLY_EXHAUSTED_PCT}pct`, kind: "nearly_exhausted" };
  return null;
}

/**
 * Writes an `expiry` announcement (entity "convention_lot", id
 * "<convention id>:<lot number>") for every lot a confirmed subscriber
 * watches that is nearly exhausted, exhausted or expired; the store sends
 * it to that lot's watchers only. Repeating it announces nothing new.
 */
export async function createLotWarnings(db: Database, now = new Date()): Promise<number> {
  const today = todayInItaly(now);
  const watched = await db
    .selectDistinct({ conventionId: conventionWatches.conventionId, number: conventionWatches.lotNumber })
    .from(conventionWatches)
    .innerJoin(subscribers, eq(subscribers.id, conventionWatches.subscriberId))
    .where(and(eq(subscribers.status, "confirmed"), gt(conventionWatches.lotNumber, 0)));
  if (watched.length === 0) return 0;
  const rows = await db
    .select({
      conventionId: conventions.id,
      slug: conventions.slug,
      title: conventions.title,
      conventionStatus: conventions.status,
      conventionEnd: conventions.endDate,
      categoryId: conventions.categoryId,
      aggregatorId: conventions.aggregatorId,
      number: conventionLots.number,
      name: conventionLots.name,
      region: conventionLots.region,
      status: conventionLots.status,
      ceilingValue: conventionLots.ceilingValue,
      usedValue: conventionLots.usedValue,
      endDate: conventionLots.endDate,
    })
    .from(conventionLots)
    .innerJoin(conventions, eq(conventions.id, conventionLots.conventionId))
    .where(inArray(conventionLots.conventionId, [...new Set(watched.map((w) => w.conventionId))]));
  const wanted = new Set(watched.map((w) => `${w.conventionId}:${w.number}`));
  let created = 0;
  for (const lot of rows) {
    if (!wanted.has(`${lot.conventionId}:${lot.number}`)) continue;
    const endDate = lot.endDate ?? lot.conventionEnd;
    const warning = dueLotWarning({ ...lot, status: lot.status ?? lot.conventionStatus, endDate }, today);
    if (!warning) continue;
    const name = `«${lotTitle(lot)}» di «${lot.title}»`;
    const title =
      warning.kind === "expired"
        ? `Il lotto ${name} è scaduto`
        : warning.kind === "exhausted"
          ? `Il lotto ${name} è esaurito`
          : `Il lotto ${name} ha usato almeno il ${LOT_NEARLY_EXHAUSTED_PCT}% del massimale`;
    const summary =
      warning.kind === "expired"
        ? `Il lotto è scaduto${endDate ? ` il ${formatDate(endDate)}` : ""}: non si accettano nuovi acquisti. Cerca uno strumento attivo per la stessa categoria.`
        : warning.kind === "exhausted"
          ? "Il massimale del lotto è interamente utilizzato: non si accettano nuovi acquisti. Cerca uno strumento attivo per la stessa categoria."
          : "Il massimale del lotto sta per esaurirsi: gli acquisti potrebbero presto non essere più accettati.";
    await transactionsSettled();
    const inserted = await announce(db, {
      kind: "expiry",
      eventKey: warning.eventKey,
      entityType: "convention_lot",
      entityId: `${lot.conventionId}:${lot.number}`,
      title,
      summary,
      path: `/convenzioni/${lot.slug}/lotti/${lot.number}`,
      categoryId: lot.categoryId,
      aggregatorIds: [lot.aggregatorId],
      regions: [lot.region],
    });
    if (inserted) created += 1;
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
