/** Delivery status for the back office: counts per announcement, failures with reasons, and retry. */
import { and, count, desc, eq, inArray, sql } from "drizzle-orm";
import { announcements, deliveries, subscribers, type AnnouncementKind } from "@db/schema";
import { recordAudit, type Actor } from "@/lib/audit";
import { getDb } from "@/lib/db";

/** Announcements per back-office page. */
const STATUS_PAGE_SIZE = 30;
/** Failures listed on one announcement's page. */
const FAILURES_SHOWN = 200;

export interface DeliveryCounts {
  /** Waiting to be sent, including weekly digest items. */
  queued: number;
  sent: number;
  failed: number;
  cancelled: number;
}

export interface AnnouncementStatus {
  id: number;
  kind: AnnouncementKind;
  title: string;
  path: string;
  createdAt: Date;
  /** False while the fan-out is still writing deliveries. */
  fannedOut: boolean;
  counts: DeliveryCounts;
}

async function countsFor(ids: number[]): Promise<Map<number, DeliveryCounts>> {
  const db = await getDb();
  const map = new Map<number, DeliveryCounts>(ids.map((id) => [id, { queued: 0, sent: 0, failed: 0, cancelled: 0 }]));
  if (ids.length === 0) return map;
  const rows = await db
    .select({ id: deliveries.announcementId, status: deliveries.status, n: count() })
    .from(deliveries)
    .where(inArray(deliveries.announcementId, ids))
    .groupBy(deliveries.announcementId, deliveries.status);
  for (const row of rows) {
    const c = map.get(row.id)!;
    if (row.status === "queued" || row.status === "digest") c.queued += row.n;
    else c[row.status] += row.n;
  }
  return map;
}

/** The newest announcements with their delivery counts, one page at a time. */
export async function deliveryOverview(page: number): Promise<{ items: AnnouncementStatus[]; page: number; pageCount: number }> {
  const db = await getDb();
  const [total] = await db.select({ n: count() }).from(announcements);
  const pageCount = Math.max(1, Math.ceil((total?.n ?? 0) / STATUS_PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = await db
    .select()
    .from(announcements)
    .orderBy(desc(announcements.createdAt), desc(announcements.id))
    .limit(STATUS_PAGE_SIZE)
    .offset((current - 1) * STATUS_PAGE_SIZE);
  const counts = await countsFor(rows.map((r) => r.id));
  return {
    page: current,
    pageCount,
    items: rows.map((r) => ({ id: r.id, kind: r.kind, title: r.title, path: r.path, createdAt: r.createdAt, fannedOut: r.fannedOutAt !== null, counts: counts.get(r.id)! })),
  };
}

export interface FailedDelivery {
  id: number;
  email: string;
  subscriberStatus: string;
  attempts: number;
  reason: string;
}

/** One announcement with its counts and its failed deliveries (newest first). */
export async function announcementDeliveries(id: number): Promise<{ announcement: AnnouncementStatus; failures: FailedDelivery[] } | null> {
  const db = await getDb();
  const [row] = await db.select().from(announcements).where(eq(announcements.id, id));
  if (!row) return null;
  const counts = await countsFor([id]);
  const failures = await db
    .select({ id: deliveries.id, email: subscribers.email, subscriberStatus: subscribers.status, attempts: deliveries.attempts, reason: deliveries.lastError })
    .from(deliveries)
    .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(and(eq(deliveries.announcementId, id), eq(deliveries.status, "failed")))
    .orderBy(desc(deliveries.id))
    .limit(FAILURES_SHOWN);
  return {
    announcement: { id: row.id, kind: row.kind, title: row.title, path: row.path, createdAt: row.createdAt, fannedOut: row.fannedOutAt !== null, counts: counts.get(id)! },
    failures: failures.map((f) => ({ ...f, reason: f.reason ?? "Motivo non registrato" })),
  };
}

/**
 * Puts an announcement's failed deliveries back in the queue, with a fresh
 * attempt count, for subscribers still confirmed (suppressed or departed
 * addresses stay out). Returns how many were queued again.
 */
export async function retryFailedDeliveries(id: number, actor: Actor, now = new Date()): Promise<number> {
  const db = await getDb();
  const requeue = db
    .update(deliveries)
    .set({ status: "queued", attempts: 0, nextAttemptAt: now, lastError: null, leaseOwner: null, leaseUntil: null })
    .where(
      and(
        eq(deliveries.announcementId, id),
        eq(deliveries.status, "failed"),
        sql`${deliveries.subscriberId} IN (SELECT id FROM subscribers WHERE status = 'confirmed')`,
      ),
    )
    .returning({ id: deliveries.id });
  const [requeued] = await db.batch([requeue]);
  await recordAudit(db, actor, "alerts.retry", { type: "announcement", id }, { deliveries: requeued.length });
  return requeued.length;
}
