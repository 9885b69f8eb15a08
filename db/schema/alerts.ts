import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { users } from "./accounts";
import { conventions } from "./catalog";

export const ANNOUNCEMENT_KINDS = ["convention", "planned", "initiative", "press", "expiry"] as const;
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number];

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull().unique(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    status: text("status", { enum: ["pending", "confirmed", "unsubscribed", "suppressed"] }).notNull().default("pending"),
    frequency: text("frequency", { enum: ["immediate", "weekly"] }).notNull().default("immediate"),
    /**
     * General alerts: the kinds wanted (an empty list means none, for people who only follow a
     * search or a convention), narrowed by categories, aggregators and regions (empty means all).
     */
    interests: text("interests", { mode: "json" })
      .$type<{ kinds: AnnouncementKind[]; categories: string[]; aggregators: string[]; regions: string[] }>()
      .notNull(),
    consentAt: integer("consent_at", { mode: "timestamp_ms" }).notNull(),
    consentText: text("consent_text").notNull(),
    confirmTokenHash: text("confirm_token_hash"),
    confirmExpiresAt: integer("confirm_expires_at", { mode: "timestamp_ms" }),
    confirmedAt: integer("confirmed_at", { mode: "timestamp_ms" }),
    unsubscribedAt: integer("unsubscribed_at", { mode: "timestamp_ms" }),
    /** Consecutive permanent failures; past a threshold the address is suppressed. */
    failureCount: integer("failure_count").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("subscribers_status_idx").on(t.status, t.frequency)],
);

/** A catalog search a subscriber asked to be alerted about (same parameters as the catalog URL). */
export const savedSearches = sqliteTable(
  "saved_searches",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    query: text("query", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("saved_searches_subscriber_idx").on(t.subscriberId)],
);

/** "Tell me before this convention expires or runs out." */
export const conventionWatches = sqliteTable(
  "convention_watches",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    conventionId: integer("convention_id")
      .notNull()
      .references(() => conventions.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    /** The lot watched ("avvisami quando il lotto si esaurisce o scade"); 0 watches the whole convention. */
    lotNumber: integer("lot_number").notNull().default(0),
  },
  (t) => [uniqueIndex("convention_watches_uq").on(t.subscriberId, t.conventionId, t.lotNumber), index("convention_watches_convention_idx").on(t.conventionId)],
);

/** Transactional outbox: written in the same transaction as the content it announces. */
export const announcements = sqliteTable(
  "announcements",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ANNOUNCEMENT_KINDS }).notNull(),
    /** Unique per event (e.g. "convention:12:published", "expiry:12:90d"), so an event is announced once. */
    eventKey: text("event_key").notNull().unique(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    /** Site-relative path of the announced page. */
    path: text("path").notNull(),
    categoryId: text("category_id"),
    aggregatorIds: text("aggregator_ids", { mode: "json" }).$type<string[]>().notNull(),
    regions: text("regions", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: createdAt(),
    /** Subscriber id up to which fan-out has written deliveries; null when not started. */
    fanoutCursor: integer("fanout_cursor"),
    fannedOutAt: integer("fanned_out_at", { mode: "timestamp_ms" }),
    fanoutLeaseUntil: integer("fanout_lease_until", { mode: "timestamp_ms" }),
    fanoutLeaseOwner: text("fanout_lease_owner"),
  },
  (t) => [index("announcements_pending_idx").on(t.fannedOutAt), index("announcements_created_idx").on(t.createdAt)],
);

/**
 * queued: waits for the sender; digest: waits for the subscriber's weekly digest; sent; failed
 * (permanent error or too many attempts); cancelled: the subscriber left before it went out.
 * While a worker sends, the row keeps its status and carries a lease instead.
 */
export const DELIVERY_STATUSES = ["queued", "sent", "failed", "digest", "cancelled"] as const;

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    announcementId: integer("announcement_id")
      .notNull()
      .references(() => announcements.id, { onDelete: "cascade" }),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id, { onDelete: "cascade" }),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at", { mode: "timestamp_ms" }).notNull(),
    leaseOwner: text("lease_owner"),
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    messageId: text("message_id"),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("deliveries_uq").on(t.announcementId, t.subscriberId),
    index("deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_subscriber_idx").on(t.subscriberId, t.status),
  ],
);
