/**
 * The delivery pipeline's view of the database, listmonk-style: the worker
 * depends on the `OutboxStore` interface, `createOutboxStore` implements it on
 * libSQL. Every write here is one statement or one `batch` (atomic, and it never
 * holds a transaction open across an await, so it cannot interleave with the web
 * process's own transactions; each write also waits for those to settle, see
 * transactionsSettled). Leases use the writer's clock: processes on
 * several machines need synchronised clocks (NTP), as any lease does.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import { announcements, conventions, deliveries, pressReleases, savedSearches, subscribers } from "@db/schema";
import { transactionsSettled, type Database } from "@/lib/db";
import { PRESS_KIND_LABELS, renderMarkdown } from "@/press";
import type { Interests } from "./matching";

export type AnnouncementRow = typeof announcements.$inferSelect;

/** An announcement as a message shows it: press items carry their kind ("Notizia") and full text. */
export type AnnouncementForMail = AnnouncementRow & { label?: string; body?: { html: string; text: string } };

export interface FanoutCandidate {
  id: number;
  frequency: "immediate" | "weekly";
  interests: Interests;
  /** Saved catalog queries, loaded only for announcements about conventions. */
  savedQueries: Record<string, string>[];
}

export interface ClaimedDelivery {
  id: number;
  announcementId: number;
  subscriberId: number;
  /** Attempts including this one. */
  attempts: number;
  leaseUntil: number;
}

export interface Recipient {
  id: number;
  email: string;
  failureCount: number;
}

export interface SentRecord {
  /** One message: a single alert, or every item of a digest. */
  deliveryIds: number[];
  messageId: string;
}

export interface FailureOutcome {
  reason: string;
  /** Null: give up (permanent error or too many attempts). Otherwise: try again at this time. */
  retryAt: number | null;
  /** Counts towards suppressing the address (SMTP 5xx). */
  permanent: boolean;
}

export interface OutboxStore {
  /** Leases the oldest announcement not yet fanned out (or one whose lease lapsed). */
  leaseNextFanout(owner: string, leaseMs: number, now: number): Promise<AnnouncementRow | null>;
  /**
   * Confirmed subscribers after the cursor, in id order; for expiry warnings only the convention's
   * watchers. Only people confirmed before the announcement: news from before they joined is not theirs.
   */
  fanoutCandidates(announcement: AnnouncementRow, after: number, limit: number): Promise<FanoutCandidate[]>;
  /**
   * Writes one batch of deliveries and moves the cursor, atomically. Returns false when
   * the lease was lost (another worker took over; the deliveries it wrote are harmless
   * because of the unique key).
   */
  writeFanoutBatch(
    announcementId: number,
    owner: string,
    rows: { subscriberId: number; digest: boolean }[],
    cursor: number,
    finished: boolean,
    times: { now: number; leaseUntil: number; digestAt: number },
  ): Promise<boolean>;
  /** Claims due deliveries (immediate) with a lease and counts the attempt. */
  claim(owner: string, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]>;
  /** Claims every due digest item of up to `subscriberLimit` subscribers. */
  claimDigests(owner: string, subscriberLimit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]>;
  recipients(ids: number[]): Promise<Map<number, Recipient>>;
  announcements(ids: number[]): Promise<Map<number, AnnouncementForMail>>;
  /**
   * Records successes, many messages in one statement (one commit, not one per
   * message); only the lease holder can. Returns how many deliveries were marked.
   */
  markSent(sent: SentRecord[], owner: string, now: number, resetFailuresOf: number[]): Promise<number>;
  /** Records a failure: schedules a retry, or gives up and maybe suppresses the address. */
  markFailed(deliveryIds: number[], owner: string, subscriberId: number, outcome: FailureOutcome, suppressAfter: number): Promise<void>;
  /** Gives back claimed deliveries that were not attempted (the lease was running out). */
  release(deliveryIds: number[], owner: string): Promise<void>;
}

const now$ = (ms: number) => sql`${ms}`;

export function createOutboxStore(db: Database): OutboxStore {
  return {
    async leaseNextFanout(owner, leaseMs, now) {
      await transactionsSettled();
      const rows = await db
        .update(announcements)
        .set({ fanoutLeaseOwner: owner, fanoutLeaseUntil: new Date(now + leaseMs) })
        .where(
          sql`${announcements.id} = (SELECT id FROM announcements WHERE fanned_out_at IS NULL
              AND (fanout_lease_until IS NULL OR fanout_lease_until < ${now$(now)} OR fanout_lease_owner = ${owner})
              ORDER BY id LIMIT 1)`,
        )
        .returning();
      return rows[0] ?? null;
    },

    async fanoutCandidates(announcement, after, limit) {
      const createdAt = announcement.createdAt.getTime();
      // "+s.status" keeps SQLite on the primary key (id order, resumes at the cursor) instead of
      // the status index, which would read and sort every confirmed subscriber on each batch.
      // A lot's warning ("convention_lot", entity "<convention id>:<lot number>") reaches that lot's watchers;
      // a convention's reaches those who watch the whole convention (lot number 0).
      const [conventionId, lotNumber] =
        announcement.entityType === "convention_lot" ? announcement.entityId.split(":").map(Number) : [Number(announcement.entityId), 0];
      const base = await db.all<{ id: number; frequency: "immediate" | "weekly"; interests: string }>(
        announcement.kind === "expiry"
          ? sql`SELECT s.id, s.frequency, s.interests FROM convention_watches w JOIN subscribers s ON s.id = w.subscriber_id
              WHERE w.convention_id = ${conventionId} AND w.lot_number = ${lotNumber} AND s.status = 'confirmed' AND s.confirmed_at <= ${createdAt} AND s.id > ${after}
              ORDER BY s.id LIMIT ${limit}`
          : sql`SELECT s.id, s.frequency, s.interests FROM subscribers s
              WHERE +s.status = 'confirmed' AND s.confirmed_at <= ${createdAt} AND s.id > ${after}
              ORDER BY s.id LIMIT ${limit}`,
      );
      const queries = new Map<number, Record<string, string>[]>();
      if (announcement.entityType === "convention" && announcement.kind !== "expiry" && base.length > 0) {
        // A range on the indexed column, not an IN list: one cheap scan per batch.
        const rows = await db
          .select({ subscriberId: savedSearches.subscriberId, query: savedSearches.query })
          .from(savedSearches)
          .where(sql`${savedSearches.subscriberId} BETWEEN ${base[0]!.id} AND ${base[base.length - 1]!.id}`);
        for (const row of rows) queries.set(row.subscriberId, [...(queries.get(row.subscriberId) ?? []), row.query]);
      }
      return base.map((s) => ({ id: s.id, frequency: s.frequency, interests: JSON.parse(s.interests) as Interests, savedQueries: queries.get(s.id) ?? [] }));
    },

    async writeFanoutBatch(announcementId, owner, rows, cursor, finished, times) {
      await transactionsSettled();
      const moveCursor = db
        .update(announcements)
        .set(
          finished
            ? { fanoutCursor: cursor, fannedOutAt: new Date(times.now), fanoutLeaseOwner: null, fanoutLeaseUntil: null }
            : { fanoutCursor: cursor, fanoutLeaseUntil: new Date(times.leaseUntil) },
        )
        .where(and(eq(announcements.id, announcementId), eq(announcements.fanoutLeaseOwner, owner)))
        .returning({ id: announcements.id });
      if (rows.length === 0) {
        const [moved] = await db.batch([moveCursor]);
        return moved.length > 0;
      }
      // The batch travels as one JSON parameter ([[subscriberId, digest], …]): building a
      // thousand-row VALUES list costs more than writing it. "WHERE true" lets SQLite parse the upsert.
      const batch = JSON.stringify(rows.map((r) => [r.subscriberId, r.digest ? 1 : 0]));
      const insert = db.run(sql`INSERT INTO deliveries (announcement_id, subscriber_id, status, next_attempt_at)
        SELECT ${announcementId}, value ->> 0, CASE value ->> 1 WHEN 1 THEN 'digest' ELSE 'queued' END,
               CASE value ->> 1 WHEN 1 THEN ${times.digestAt} ELSE ${times.now} END
        FROM json_each(${batch}) WHERE true
        ON CONFLICT DO NOTHING`);
      const [, moved] = await db.batch([insert, moveCursor]);
      return moved.length > 0;
    },

    async claim(owner, limit, leaseMs, now) {
      await transactionsSettled();
      const leaseUntil = now + leaseMs;
      const rows = await db.all<{ id: number; announcement_id: number; subscriber_id: number; attempts: number }>(sql`
        UPDATE deliveries SET lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1
        WHERE id IN (
          SELECT d.id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE d.status = 'queued' AND d.next_attempt_at <= ${now} AND (d.lease_until IS NULL OR d.lease_until < ${now})
            AND s.status = 'confirmed'
          ORDER BY d.next_attempt_at, d.id LIMIT ${limit})
        AND status = 'queued' AND (lease_until IS NULL OR lease_until < ${now})
        RETURNING id, announcement_id, subscriber_id, attempts`);
      return rows.map((r) => ({ id: r.id, announcementId: r.announcement_id, subscriberId: r.subscriber_id, attempts: r.attempts, leaseUntil }));
    },

    async claimDigests(owner, subscriberLimit, leaseMs, now) {
      await transactionsSettled();
      const leaseUntil = now + leaseMs;
      const rows = await db.all<{ id: number; announcement_id: number; subscriber_id: number; attempts: number }>(sql`
        UPDATE deliveries SET lease_owner = ${owner}, lease_until = ${leaseUntil}, attempts = attempts + 1
        WHERE status = 'digest' AND next_attempt_at <= ${now} AND (lease_until IS NULL OR lease_until < ${now})
          AND subscriber_id IN (
            SELECT DISTINCT d.subscriber_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
            WHERE d.status = 'digest' AND d.next_attempt_at <= ${now} AND (d.lease_until IS NULL OR d.lease_until < ${now})
              AND s.status = 'confirmed'
            LIMIT ${subscriberLimit})
        RETURNING id, announcement_id, subscriber_id, attempts`);
      return rows.map((r) => ({ id: r.id, announcementId: r.announcement_id, subscriberId: r.subscriber_id, attempts: r.attempts, leaseUntil }));
    },

    async recipients(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db
        .select({ id: subscribers.id, email: subscribers.email, failureCount: subscribers.failureCount })
        .from(subscribers)
        .where(inArray(subscribers.id, ids));
      return new Map(rows.map((r) => [r.id, r]));
    },

    async announcements(ids) {
      if (ids.length === 0) return new Map();
      const rows: AnnouncementForMail[] = await db.select().from(announcements).where(inArray(announcements.id, ids));
      const pressIds = [...new Set(rows.filter((r) => r.entityType === "press_release" && /^\d+$/.test(r.entityId)).map((r) => Number(r.entityId)))];
      if (pressIds.length > 0) {
        const items = await db.select({ id: pressReleases.id, kind: pressReleases.kind, body: pressReleases.bodyMarkdown }).from(pressReleases).where(inArray(pressReleases.id, pressIds));
        const byId = new Map(items.map((p) => [String(p.id), p]));
        for (const row of rows) {
          const item = row.entityType === "press_release" ? byId.get(row.entityId) : undefined;
          if (!item) continue;
          row.label = PRESS_KIND_LABELS[item.kind];
          row.body = { html: renderMarkdown(item.body), text: item.body };
        }
      }
      return new Map(rows.map((r) => [r.id, r]));
    },

    async markSent(sent, owner, now, resetFailuresOf) {
      if (sent.length === 0) return 0;
      await transactionsSettled();
      // One constant SQL text whatever the batch size: the pairs travel as one JSON parameter
      // ([[deliveryId, messageId], …]), so the statement is prepared once per process.
      const pairs = JSON.stringify(sent.flatMap((r) => r.deliveryIds.map((id) => [id, r.messageId])));
      const mark = db.all<{ id: number }>(sql`UPDATE deliveries
        SET status = 'sent', sent_at = ${now}, last_error = NULL, lease_owner = NULL, lease_until = NULL, message_id = m.value ->> 1
        FROM json_each(${pairs}) AS m
        WHERE deliveries.id = m.value ->> 0 AND deliveries.lease_owner = ${owner}
        RETURNING deliveries.id`);
      if (resetFailuresOf.length === 0) {
        const [marked] = await db.batch([mark]);
        return marked.length;
      }
      // Suppression counts consecutive permanent failures: a success starts the count again.
      const reset = db.run(sql`UPDATE subscribers SET failure_count = 0 WHERE id IN (SELECT value FROM json_each(${JSON.stringify(resetFailuresOf)}))`);
      const [marked] = await db.batch([mark, reset]);
      return marked.length;
    },

    async markFailed(deliveryIds, owner, subscriberId, outcome, suppressAfter) {
      await transactionsSettled();
      const mine = and(inArray(deliveries.id, deliveryIds), eq(deliveries.leaseOwner, owner));
      const reason = outcome.reason.slice(0, 500);
      if (outcome.retryAt !== null) {
        await db
          .update(deliveries)
          .set({ lastError: reason, nextAttemptAt: new Date(outcome.retryAt), leaseOwner: null, leaseUntil: null })
          .where(mine);
        return;
      }
      const fail = db.update(deliveries).set({ status: "failed", lastError: reason, leaseOwner: null, leaseUntil: null }).where(mine);
      if (!outcome.permanent) {
        await db.batch([fail]);
        return;
      }
      const count = db
        .update(subscribers)
        .set({
          failureCount: sql`${subscribers.failureCount} + 1`,
          status: sql`CASE WHEN ${subscribers.failureCount} + 1 >= ${suppressAfter} AND ${subscribers.status} = 'confirmed' THEN 'suppressed' ELSE ${subscribers.status} END`,
        })
        .where(eq(subscribers.id, subscriberId));
      // Once suppressed, nothing else waiting for this address should go out.
      const cancel = db
        .update(deliveries)
        .set({ status: "cancelled", lastError: "Indirizzo sospeso dopo ripetuti rifiuti permanenti" })
        .where(
          and(
            eq(deliveries.subscriberId, subscriberId),
            inArray(deliveries.status, ["queued", "digest"]),
            sql`${deliveries.leaseOwner} IS NULL`,
            sql`(SELECT status FROM subscribers WHERE id = ${subscriberId}) = 'suppressed'`,
          ),
        );
      await db.batch([fail, count, cancel]);
    },

    async release(deliveryIds, owner) {
      if (deliveryIds.length === 0) return;
      await transactionsSettled();
      // The attempt was counted at claim time but never made: give it back.
      await db
        .update(deliveries)
        .set({ leaseOwner: null, leaseUntil: null, attempts: sql`${deliveries.attempts} - 1` })
        .where(and(inArray(deliveries.id, deliveryIds), eq(deliveries.leaseOwner, owner)));
    },
  };
}
