/**
 * The durable queue of transactional mail (verification, password reset,
 * subscription confirmation, welcome, accessibility notices and receipts).
 *
 * The cause and its message are written in one transaction (`queueMail`), so
 * a mail is never lost when SMTP is down at that moment and never sent for
 * something that was rolled back. The sender claims due messages with an
 * expiring lease, sends them, and records the outcome only while it holds the
 * lease; temporary failures are retried with the backoff alert deliveries use,
 * permanent ones (SMTP 5xx) fail at once. Each message keeps the Message-ID it
 * was given when queued, so the resend after a crash between the server's
 * "250 OK" and the record carries the same one.
 */
import { randomUUID } from "node:crypto";
import { and, count, desc, eq, sql } from "drizzle-orm";
import { outboundMail, type OutboundMailKind } from "@db/schema";
import { config } from "@/config";
import { recordAudit, type Actor, type Writer } from "@/lib/audit";
import { getDb, transactionsSettled } from "@/lib/db";
import { errorMessage, log } from "@/lib/log";
import { classify, mailer, type Mailer, type OutgoingMail } from "@/mail";
import { MAX_SEND_ATTEMPTS, RETRY_MAX_MS, retryDelay } from "./backoff";

/** A queued message's lease: far longer than the SMTP timeouts, so it cannot lapse while one is sent. */
const LEASE_MS = 5 * 60_000;
/** Messages claimed at once. */
const BATCH_SIZE = 20;
/** Sends in flight at once. */
const CONCURRENCY = 5;

/** A transactional message: one recipient, rendered when queued (links carry one-time tokens). */
export type QueuedMail = Pick<OutgoingMail, "to" | "subject" | "text" | "html" | "headers">;

/**
 * Queues a message. Call it with the transaction that writes its cause; once
 * that commits, this process sends it within moments (or wakes its worker).
 */
export async function queueMail(writer: Writer, kind: OutboundMailKind, mail: QueuedMail): Promise<void> {
  await writer.insert(outboundMail).values({
    kind,
    recipient: mail.to,
    subject: mail.subject,
    bodyText: mail.text,
    bodyHtml: mail.html ?? null,
    headers: mail.headers ?? null,
    messageId: `<mail-${randomUUID()}@${new URL(config().siteUrl).hostname}>`,
    nextAttemptAt: new Date(),
  });
  nudgeMailSender();
}

export interface MailSenderOptions {
  mailer?: Mailer;
  /** Identifies this sender's leases. */
  owner?: string;
  now?: () => number;
  random?: () => number;
  /** First retry delay; defaults to ALERTS_RETRY_BASE_MS, as for alert deliveries. */
  retryBaseMs?: number;
}

export interface MailPass {
  sent: number;
  /** Given up: permanent failure or too many attempts. */
  failed: number;
  /** Temporary failures, scheduled again. */
  retrying: number;
}

interface ClaimedMail {
  id: number;
  kind: OutboundMailKind;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  headers: string | null;
  message_id: string;
  attempts: number;
}

/** Retries a bookkeeping write on a busy database: an unrecorded success would be sent again. */
async function record(what: string, write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await transactionsSettled();
      await write();
      return;
    } catch (error) {
      if (attempt >= 6) throw error;
      log("warn", "mail.record.retry", { what, attempt, error: errorMessage(error) });
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

/** Sends every due queued message; returns what happened. Safe to run in several processes at once. */
export async function sendQueuedMail(options: MailSenderOptions = {}): Promise<MailPass> {
  const db = await getDb();
  const send = options.mailer ?? mailer();
  const owner = options.owner ?? randomUUID();
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const backoff = { retryBaseMs: options.retryBaseMs ?? config().ALERTS_RETRY_BASE_MS, retryMaxMs: RETRY_MAX_MS };
  const pass: MailPass = { sent: 0, failed: 0, retrying: 0 };
  for (;;) {
    await transactionsSettled();
    const at = now();
    const claimed = await db.all<ClaimedMail>(sql`
      UPDATE outbound_mail SET lease_owner = ${owner}, lease_until = ${at + LEASE_MS}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbound_mail
        WHERE status = 'queued' AND next_attempt_at <= ${at} AND (lease_until IS NULL OR lease_until < ${at})
        ORDER BY next_attempt_at, id LIMIT ${BATCH_SIZE})
      AND status = 'queued' AND (lease_until IS NULL OR lease_until < ${at})
      RETURNING id, kind, recipient, subject, body_text, body_html, headers, message_id, attempts`);
    if (claimed.length === 0) return pass;
    let next = 0;
    const lanes = Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, async () => {
      while (next < claimed.length) await sendOne(claimed[next++]!);
    });
    await Promise.all(lanes);
    if (claimed.length < BATCH_SIZE) return pass;
  }

  async function sendOne(row: ClaimedMail): Promise<void> {
    const mine = and(eq(outboundMail.id, row.id), eq(outboundMail.leaseOwner, owner));
    try {
      await send.send({
        to: row.recipient,
        subject: row.subject,
        text: row.body_text,
        html: row.body_html ?? undefined,
        headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : undefined,
        messageId: row.message_id,
      });
    } catch (error) {
      const failure = classify(error);
      const giveUp = failure.permanent || row.attempts >= MAX_SEND_ATTEMPTS;
      const reason = failure.message.slice(0, 500);
      await record("failure", () =>
        db
          .update(outboundMail)
          .set(
            giveUp
              ? { status: "failed", lastError: reason, leaseOwner: null, leaseUntil: null }
              : { lastError: reason, nextAttemptAt: new Date(now() + retryDelay(backoff, row.attempts, random())), leaseOwner: null, leaseUntil: null },
          )
          .where(mine),
      );
      if (giveUp) pass.failed += 1;
      else pass.retrying += 1;
      log(giveUp ? "warn" : "info", giveUp ? "mail.send.failed" : "mail.send.retry", { mail: row.id, kind: row.kind, attempts: row.attempts, permanent: failure.permanent, error: failure.message });
      return;
    }
    // The body may hold a one-time link: once delivered it is not kept.
    await record("sent", () =>
      db
        .update(outboundMail)
        .set({ status: "sent", sentAt: new Date(now()), lastError: null, leaseOwner: null, leaseUntil: null, bodyText: "", bodyHtml: null })
        .where(mine),
    );
    pass.sent += 1;
    log("info", "mail.sent", { mail: row.id, kind: row.kind, attempts: row.attempts });
  }
}

/*
 * Prompt sending. `queueMail` nudges: if a worker runs in this process it is
 * woken, otherwise this process sends the message itself as soon as no
 * transaction is open (the one that queued it has then committed or rolled
 * back). The state lives on globalThis because the built server bundles its
 * own copy of this module beside the one the worker loop imports.
 */
interface NudgeState {
  listeners: Set<() => void>;
  scheduled: boolean;
  running: boolean;
  again: boolean;
}

const NUDGE_KEY = Symbol.for("aggrega.outbox.mail-nudge");

function nudgeState(): NudgeState {
  const holder = globalThis as { [NUDGE_KEY]?: NudgeState };
  holder[NUDGE_KEY] ??= { listeners: new Set(), scheduled: false, running: false, again: false };
  return holder[NUDGE_KEY];
}

/** Called by the mail job of a worker loop in this process: `wake` runs when a message is queued. */
export function onMailQueued(wake: () => void): () => void {
  const state = nudgeState();
  state.listeners.add(wake);
  return () => state.listeners.delete(wake);
}

function nudgeMailSender(): void {
  const state = nudgeState();
  if (state.listeners.size > 0) {
    for (const wake of state.listeners) wake();
    return;
  }
  if (state.running) {
    state.again = true;
    return;
  }
  if (state.scheduled) return;
  state.scheduled = true;
  setTimeout(() => {
    state.scheduled = false;
    state.running = true;
    void (async () => {
      try {
        do {
          state.again = false;
          await sendQueuedMail();
        } while (state.again);
      } catch (error) {
        // Whatever was not sent stays queued for the worker.
        log("warn", "mail.nudge.failed", { error: errorMessage(error) });
      } finally {
        state.running = false;
      }
    })();
  }, 0);
}

export interface OutboundMailRow {
  id: number;
  kind: OutboundMailKind;
  recipient: string;
  subject: string;
  status: "queued" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
  sentAt: Date | null;
  createdAt: Date;
}

export interface OutboundMailOverview {
  counts: { queued: number; sent: number; failed: number };
  latest: OutboundMailRow[];
}

/** For the back office: totals by status and the latest messages with their failure reasons. */
export async function outboundMailOverview(limit = 50): Promise<OutboundMailOverview> {
  const db = await getDb();
  const [totals, latest] = await Promise.all([
    db.select({ status: outboundMail.status, n: count() }).from(outboundMail).groupBy(outboundMail.status),
    db
      .select({
        id: outboundMail.id,
        kind: outboundMail.kind,
        recipient: outboundMail.recipient,
        subject: outboundMail.subject,
        status: outboundMail.status,
        attempts: outboundMail.attempts,
        lastError: outboundMail.lastError,
        nextAttemptAt: outboundMail.nextAttemptAt,
        sentAt: outboundMail.sentAt,
        createdAt: outboundMail.createdAt,
      })
      .from(outboundMail)
      .orderBy(desc(outboundMail.id))
      .limit(limit),
  ]);
  const counts = { queued: 0, sent: 0, failed: 0 };
  for (const t of totals) counts[t.status] = t.n;
  return { counts, latest };
}

/** Puts every failed message back in the queue (back-office button), with an audit entry; returns how many. */
export async function retryFailedMail(actor: Actor): Promise<number> {
  const db = await getDb();
  const rows = await db.transaction(async (tx) => {
    const requeued = await tx
      .update(outboundMail)
      .set({ status: "queued", attempts: 0, nextAttemptAt: new Date(), lastError: null, leaseOwner: null, leaseUntil: null })
      .where(eq(outboundMail.status, "failed"))
      .returning({ id: outboundMail.id });
    if (requeued.length > 0) await recordAudit(tx, actor, "mail.retry", { type: "outbound_mail", id: "failed" }, { messages: requeued.length });
    return requeued;
  });
  if (rows.length > 0) nudgeMailSender();
  return rows.length;
}

/** What each kind of transactional message is, for the back office. */
export const OUTBOUND_MAIL_LABELS: Record<OutboundMailKind, string> = {
  account_verification: "Verifica dell'indirizzo email",
  account_already_registered: "Avviso di account già esistente",
  password_reset: "Reimpostazione della password",
  password_changed: "Conferma del cambio di password",
  subscription_confirmation: "Conferma dell'iscrizione agli avvisi",
  subscription_already_active: "Iscrizione agli avvisi già attiva",
  subscription_welcome: "Messaggio di benvenuto negli avvisi",
  accessibility_office: "Segnalazione di accessibilità all'ufficio",
  accessibility_receipt: "Ricevuta della segnalazione di accessibilità",
  press_test: "Prova di un avviso della Sala stampa",
  training_assigned: "Corso assegnato",
  training_due_soon: "Promemoria: una settimana alla scadenza del corso",
  training_due: "Promemoria: scadenza del corso",
  training_inactive: "Promemoria: corso fermo da 14 giorni",
};
