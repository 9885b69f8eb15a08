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
  /** When the notice reached the office; null while it is still to be sent. */
  officeMailedAt: integer("office_mailed_at", { mode: "timestamp_ms" }),
  /** When the receipt reached the sender; null while it is still to be sent. */
  receiptMailedAt: integer("receipt_mailed_at", { mode: "timestamp_ms" }),
  /** Next retry of whichever message is missing (also a lease while one process sends); null when nothing is due. */
  nextMailAt: integer("next_mail_at", { mode: "timestamp_ms" }),
  mailAttempts: integer("mail_attempts").notNull().default(0),
  /** Last delivery failure, without addresses. */
  mailError: text("mail_error"),
}, (t) => [index("accessibility_reports_next_mail_idx").on(t.nextMailAt)]);

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
