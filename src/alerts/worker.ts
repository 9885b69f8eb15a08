/**
 * The alert worker: fan-out (announcement → one delivery per matching
 * subscriber) and sending (claim → build → send → record). Like listmonk's
 * manager it owns no SQL; it talks to an OutboxStore and a Mailer.
 *
 * Delivery guarantee, honestly: a delivery is recorded as sent only after the
 * SMTP peer accepted it, and only by the worker holding its lease. If a worker
 * dies between the peer's "250 OK" and that record, the lease lapses and the
 * delivery is sent again: that window is at-least-once, as with any SMTP
 * sender. It is short: successes are recorded in groups every 25 ms, so it
 * holds the messages accepted in the last few milliseconds. The resend carries the same
 * deterministic Message-ID so receiving systems can recognise it. Everywhere
 * else it is exactly once: the unique (announcement, subscriber) key stops
 * duplicate deliveries, the atomic claim stops two workers taking the same
 * one, a message is started only while its lease has time to spare, and one
 * process never sends while it fans out, so killing it mid fan-out (the
 * common long step) never cuts a send in half.
 */
import { randomUUID } from "node:crypto";
import { errorMessage, log } from "@/lib/log";
import { classify, type Mailer } from "@/mail";
import { MAX_SEND_ATTEMPTS, RETRY_MAX_MS, retryDelay } from "@/outbox";
import { subscriberLinks, deliveryMessageId, digestMessageId } from "./links";
import { matchesInterests } from "./matching";
import { buildAlertMessage, buildDigestMessage, type MessageContext } from "./messages";
import type { AnnouncementForMail, AnnouncementRow, ClaimedDelivery, FanoutCandidate, OutboxStore, SentRecord } from "./store";

/** Tries to record a send's outcome before giving up (about 6 s in all). */
const RECORD_ATTEMPTS = 6;
/** Successful sends are recorded together at most this long after the SMTP peer accepted them… */
const RECORD_FLUSH_MS = 25;
/** …or as soon as this many are waiting. */
const RECORD_FLUSH_SIZE = 100;

export interface WorkerConfig {
  /** Deliveries claimed per sending batch. */
  batchSize: number;
  /** Subscribers matched per fan-out transaction. */
  fanoutBatchSize: number;
  /** Messages in flight at once (the pooled transport has its own connection limit). */
  concurrency: number;
  /** How long a claim on a delivery lasts. */
  leaseMs: number;
  /** How long a fan-out lease lasts without progress; renewed by every batch. */
  fanoutLeaseMs: number;
  /** A message is started only if at least this much of its lease is left (covers the transport's timeouts). */
  leaseMarginMs: number;
  /** First retry delay after a temporary failure; doubled per attempt, with jitter. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Attempts before a temporarily failing delivery is given up. */
  maxAttempts: number;
  /** Consecutive permanent failures after which an address is suppressed. */
  suppressAfter: number;
  /** Subscribers whose weekly digest is claimed per batch. */
  digestBatchSize: number;
  /** Identifies this worker's leases. */
  owner: string;
  now: () => number;
  random: () => number;
}

const clamp = (value: number | undefined, fallback: number, min: number, max: number) =>
  Math.min(max, Math.max(min, Math.round(Number.isFinite(value) ? value! : fallback)));

/** Fills in defaults and clamps every number into a sane range. */
export function workerConfig(input: Partial<WorkerConfig> = {}): WorkerConfig {
  const leaseMs = clamp(input.leaseMs, 5 * 60_000, 1_000, 3_600_000);
  return {
    batchSize: clamp(input.batchSize, 500, 1, 5000),
    fanoutBatchSize: clamp(input.fanoutBatchSize, 1000, 1, 10_000),
    concurrency: clamp(input.concurrency, 10, 1, 100),
    leaseMs,
    fanoutLeaseMs: clamp(input.fanoutLeaseMs, 15_000, 1_000, 600_000),
    leaseMarginMs: clamp(input.leaseMarginMs, 90_000, 0, leaseMs - 500),
    retryBaseMs: clamp(input.retryBaseMs, 60_000, 10, 86_400_000),
    retryMaxMs: clamp(input.retryMaxMs, RETRY_MAX_MS, 10, 7 * 86_400_000),
    maxAttempts: clamp(input.maxAttempts, MAX_SEND_ATTEMPTS, 1, 50),
    suppressAfter: clamp(input.suppressAfter, 3, 1, 100),
    digestBatchSize: clamp(input.digestBatchSize, 50, 1, 1000),
    owner: input.owner ?? randomUUID(),
    now: input.now ?? Date.now,
    random: input.random ?? Math.random,
  };
}

/** Next weekly digest slot: Monday 07:00 UTC (08:00 or 09:00 in Italy). */
export function nextDigestAt(now: number): number {
  const d = new Date(now);
  const daysToMonday = (8 - d.getUTCDay()) % 7;
  let slot = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysToMonday, 7);
  if (slot <= now) slot += 7 * 86_400_000;
  return slot;
}

/** Saved-search matcher, supplied by the catalog (same query code as the catalog page). */
export type SavedSearchMatcher = (query: Record<string, string>, conventionId: number) => Promise<boolean>;

export interface WorkerDeps {
  store: OutboxStore;
  mailer: Mailer;
  context: MessageContext;
  secret: () => Promise<string>;
  matchSavedSearch: SavedSearchMatcher;
}

export interface PassResult {
  fannedOut: number;
  sent: number;
  failed: number;
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

export class AlertWorker {
  readonly config: WorkerConfig;

  constructor(
    private readonly deps: WorkerDeps,
    config: Partial<WorkerConfig> = {},
  ) {
    this.config = workerConfig(config);
  }

  /** Fans out everything pending, then sends until nothing is due; new announcements go first. */
  async runPass(signal?: AbortSignal): Promise<PassResult> {
    const total: PassResult = { fannedOut: 0, sent: 0, failed: 0 };
    while (!signal?.aborted) {
      let fanned = 0;
      while (!signal?.aborted) {
        const written = await this.fanoutOne(signal);
        if (written === null) break;
        fanned += written;
      }
      const immediate = signal?.aborted ? { sent: 0, failed: 0, claimed: 0 } : await this.sendBatch();
      const digests = signal?.aborted ? { sent: 0, failed: 0, claimed: 0 } : await this.sendDigests();
      total.fannedOut += fanned;
      total.sent += immediate.sent + digests.sent;
      total.failed += immediate.failed + digests.failed;
      if (immediate.claimed === 0 && digests.claimed === 0) break;
    }
    return total;
  }

  /**
   * Fans out one announcement completely, batch by batch, each batch moving
   * the cursor in the same atomic write. Returns the deliveries written, or
   * null when no announcement was waiting (or all are leased elsewhere).
   */
  async fanoutOne(signal?: AbortSignal): Promise<number | null> {
    const { store } = this.deps;
    const cfg = this.config;
    const announcement = await store.leaseNextFanout(cfg.owner, cfg.fanoutLeaseMs, cfg.now());
    if (!announcement) return null;
    let cursor = announcement.fanoutCursor ?? 0;
    let written = 0;
    const cache = new Map<string, boolean>();
    while (!signal?.aborted) {
      const candidates = await store.fanoutCandidates(announcement, cursor, cfg.fanoutBatchSize);
      const rows: { subscriberId: number; digest: boolean }[] = [];
      for (const candidate of candidates) {
        if (await this.wants(candidate, announcement, cache)) rows.push({ subscriberId: candidate.id, digest: candidate.frequency === "weekly" });
      }
      const finished = candidates.length < cfg.fanoutBatchSize;
      if (candidates.length > 0) cursor = candidates[candidates.length - 1]!.id;
      const now = cfg.now();
      const kept = await store.writeFanoutBatch(announcement.id, cfg.owner, rows, cursor, finished, {
        now,
        leaseUntil: now + cfg.fanoutLeaseMs,
        digestAt: nextDigestAt(now),
      });
      if (!kept) {
        log("warn", "alerts.fanout.lease_lost", { announcement: announcement.id });
        return written;
      }
      written += rows.length;
      if (finished) {
        log("info", "alerts.fanout.done", { announcement: announcement.id, deliveries: written });
        return written;
      }
    }
    return written;
  }

  private async wants(candidate: FanoutCandidate, announcement: AnnouncementRow, cache: Map<string, boolean>): Promise<boolean> {
    // Expiry warnings reach exactly the convention's watchers, whom the store already selected.
    if (announcement.kind === "expiry") return true;
    if (matchesInterests(candidate.interests, announcement)) return true;
    for (const query of candidate.savedQueries) {
      const key = JSON.stringify(query);
      let hit = cache.get(key);
      if (hit === undefined) {
        hit = await this.deps.matchSavedSearch(query, Number(announcement.entityId));
        cache.set(key, hit);
      }
      if (hit) return true;
    }
    return false;
  }

  /** Claims due immediate deliveries and sends each as its own message. */
  async sendBatch(): Promise<{ claimed: number; sent: number; failed: number }> {
    const cfg = this.config;
    const claimed = await this.deps.store.claim(cfg.owner, cfg.batchSize, cfg.leaseMs, cfg.now());
    if (claimed.length === 0) return { claimed: 0, sent: 0, failed: 0 };
    const groups = claimed.map((d) => [d]);
    return { claimed: claimed.length, ...(await this.sendGroups(groups, false)) };
  }

  /** Claims due weekly items and sends one digest per subscriber. */
  async sendDigests(): Promise<{ claimed: number; sent: number; failed: number }> {
    const cfg = this.config;
    const claimed = await this.deps.store.claimDigests(cfg.owner, cfg.digestBatchSize, cfg.leaseMs, cfg.now());
    if (claimed.length === 0) return { claimed: 0, sent: 0, failed: 0 };
    const bySubscriber = new Map<number, ClaimedDelivery[]>();
    for (const d of claimed) bySubscriber.set(d.subscriberId, [...(bySubscriber.get(d.subscriberId) ?? []), d]);
    return { claimed: claimed.length, ...(await this.sendGroups([...bySubscriber.values()], true)) };
  }

  /**
   * Records the outcome of a send that already happened. A busy database must
   * not lose it: an unrecorded success would be sent again once the lease lapses.
   */
  private async record<T>(what: string, write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= RECORD_ATTEMPTS) throw error;
        log("warn", "alerts.record.retry", { what, attempt, error: errorMessage(error) });
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /** Each group is one message to one subscriber: a single alert, or a digest of several. */
  private async sendGroups(groups: ClaimedDelivery[][], digest: boolean): Promise<{ sent: number; failed: number }> {
    const { store, mailer, context } = this.deps;
    const cfg = this.config;
    const secret = await this.deps.secret();
    const all = groups.flat();
    const [recipients, announcements] = await Promise.all([
      store.recipients([...new Set(all.map((d) => d.subscriberId))]),
      store.announcements([...new Set(all.map((d) => d.announcementId))]),
    ]);
    const unattempted: number[] = [];
    let sent = 0;
    let failed = 0;
    // Successes are recorded together every few milliseconds: one commit per flush rather than one per message.
    const recorder = this.sentRecorder();
    await forEachLimit(groups, cfg.concurrency, async (group) => {
      const ids = group.map((d) => d.id);
      const first = group[0]!;
      // Starting a send the lease may not outlive could let another worker send it too.
      if (cfg.now() + cfg.leaseMarginMs > first.leaseUntil) {
        unattempted.push(...ids);
        return;
      }
      const recipient = recipients.get(first.subscriberId);
      const items = group.map((d) => announcements.get(d.announcementId)).filter((a): a is AnnouncementForMail => a !== undefined);
      if (!recipient || items.length === 0) {
        // Deleted between claim and send (cascade); nothing is left to send.
        return;
      }
      const links = subscriberLinks(context.siteUrl, secret, recipient.id);
      const mail = digest
        ? buildDigestMessage(context, items, recipient.email, links, digestMessageId(context.siteUrl, recipient.id, Math.min(...ids)))
        : buildAlertMessage(context, items[0]!, recipient.email, links, deliveryMessageId(context.siteUrl, first.announcementId, recipient.id));
      try {
        await mailer.send(mail);
      } catch (error) {
        const failure = classify(error);
        const attempts = Math.max(...group.map((d) => d.attempts));
        const giveUp = failure.permanent || attempts >= cfg.maxAttempts;
        const outcome = { reason: failure.message, permanent: failure.permanent, retryAt: giveUp ? null : cfg.now() + retryDelay(cfg, attempts, cfg.random()) };
        await this.record("failure", () => store.markFailed(ids, cfg.owner, recipient.id, outcome, cfg.suppressAfter));
        if (giveUp) failed += group.length;
        log(giveUp ? "warn" : "info", giveUp ? "alerts.send.failed" : "alerts.send.retry", { deliveries: ids.length, subscriber: recipient.id, permanent: failure.permanent, attempts, error: failure.message });
        return;
      }
      recorder.add({ deliveryIds: ids, messageId: mail.messageId! }, recipient.failureCount > 0 ? recipient.id : null);
      sent += group.length;
    });
    await recorder.close();
    await store.release(unattempted, cfg.owner);
    return { sent, failed };
  }

  /**
   * Buffers successful sends and records them every RECORD_FLUSH_MS (or
   * RECORD_FLUSH_SIZE messages), one flush at a time. The buffer is the
   * at-least-once window: a worker killed with messages in it sends those again.
   */
  private sentRecorder() {
    const { store } = this.deps;
    const cfg = this.config;
    let buffer: SentRecord[] = [];
    let resets: number[] = [];
    let chain: Promise<void> = Promise.resolve();
    const flush = () => {
      chain = chain.then(async () => {
        if (buffer.length === 0) return;
        const batch = buffer;
        const reset = resets;
        buffer = [];
        resets = [];
        const expected = batch.reduce((n, r) => n + r.deliveryIds.length, 0);
        const marked = await this.record("sent", () => store.markSent(batch, cfg.owner, cfg.now(), reset));
        if (marked < expected) log("error", "alerts.send.lease_lost", { deliveries: expected - marked });
      });
      return chain;
    };
    const timer = setInterval(() => void flush(), RECORD_FLUSH_MS);
    return {
      add(record: SentRecord, resetFailuresOf: number | null) {
        buffer.push(record);
        if (resetFailuresOf !== null) resets.push(resetFailuresOf);
        if (buffer.length >= RECORD_FLUSH_SIZE) void flush();
      },
      async close() {
        clearInterval(timer);
        await flush();
      },
    };
  }
}

