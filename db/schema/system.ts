import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { users } from "./accounts";

/** Key/value settings that every process must share (e.g. the generated signing secret). */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/** Fixed-window counters; kept in the database so several app processes share the limits. */
export const rateLimits = sqliteTable(
  "rate_limits",
  {
    bucket: text("bucket").notNull(),
    windowStart: integer("window_start").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] })],
);

/** Who changed what and when, for the back office. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: text("actor_id").references(() => users.id, { onDelete: "set null" }),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_entity_idx").on(t.entityType, t.entityId), index("audit_log_created_idx").on(t.createdAt)],
);

/** Accessibility feedback sent through the form the accessibility statement links to. */
export const accessibilityReports = sqliteTable("accessibility_reports", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name"),
  email: text("email").notNull(),
  pageUrl: text("page_url"),
  description: text("description").notNull(),
  status: text("status", { enum: ["received", "answered"] }).notNull().default("received"),
  createdAt: createdAt(),
});

/** Kinds of transactional message (one person, one event), for the back office and logs. */
export const OUTBOUND_MAIL_KINDS = [
  "account_verification",
  "account_already_registered",
  "password_reset",
  "password_changed",
  "subscription_confirmation",
  "subscription_already_active",
  "subscription_welcome",
  "accessibility_office",
  "accessibility_receipt",
  "press_test",
  "training_assigned",
  "training_due_soon",
  "training_due",
  "training_inactive",
] as const;
export type OutboundMailKind = (typeof OUTBOUND_MAIL_KINDS)[number];

/** queued: waits for the sender (a lease marks the one sending it); sent; failed (permanent error or too many attempts). */
export const OUTBOUND_MAIL_STATUSES = ["queued", "sent", "failed"] as const;

/**
 * The durable queue of transactional mail: written in the same transaction as
 * what causes it, sent by the worker with the alert deliveries' lease and
 * backoff. The rendered message is stored because links carry one-time tokens
 * that exist only when it is queued; the body is cleared once it is sent.
 */
export const outboundMail = sqliteTable(
  "outbound_mail",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: OUTBOUND_MAIL_KINDS }).notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    bodyText: text("body_text").notNull(),
    bodyHtml: text("body_html"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>(),
    /** Fixed when queued, so a resend after a crash carries the same Message-ID. */
    messageId: text("message_id").notNull(),
    status: text("status", { enum: OUTBOUND_MAIL_STATUSES }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [index("outbound_mail_due_idx").on(t.status, t.nextAttemptAt), index("outbound_mail_created_idx").on(t.createdAt)],
);

/**
 * One-time tokens of create forms (hidden field `_modulo`): the first post with
 * a token claims it and records where its result is; a second post with the
 * same token is sent there instead of creating again.
 */
export const formSubmissions = sqliteTable(
  "form_submissions",
  {
    token: text("token").primaryKey(),
    /** Result page of the first post; null while it is still being handled. */
    location: text("location"),
    createdAt: createdAt(),
  },
  (t) => [index("form_submissions_created_idx").on(t.createdAt)],
);

/**
 * Generation counters of per-process caches (src/lib/cached.ts). Triggers on the cached tables bump them on every
 * insert, update or delete, whichever process or code path writes, so a cache knows with one lookup that it is stale.
 */
export const cacheGenerations = sqliteTable("cache_generations", {
  name: text("name").primaryKey(),
  generation: integer("generation").notNull().default(0),
});
