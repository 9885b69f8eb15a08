import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, isExample, updatedAt } from "./common";
import { users } from "./accounts";

export const PRESS_KINDS = ["press_release", "news"] as const;
export const PRESS_STATUSES = ["draft", "scheduled", "published", "unpublished"] as const;

export const pressReleases = sqliteTable(
  "press_releases",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    slug: text("slug").notNull().unique(),
    kind: text("kind", { enum: PRESS_KINDS }).notNull().default("press_release"),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    /** Markdown source; rendered and sanitised on the server. */
    bodyMarkdown: text("body_markdown").notNull(),
    /** The press office contact block shown under the text. */
    contactBlock: text("contact_block").notNull().default(""),
    status: text("status", { enum: PRESS_STATUSES }).notNull().default("draft"),
    /** When a scheduled item goes live, and the date shown once published. */
    publishAt: integer("publish_at", { mode: "timestamp_ms" }),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
    authorId: text("author_id").references(() => users.id, { onDelete: "set null" }),
    isExample: isExample(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("press_status_published_idx").on(t.status, t.publishedAt)],
);

/** Tags link a release to aggregators and categories, which alerts and feeds match on. */
export const pressReleaseTags = sqliteTable(
  "press_release_tags",
  {
    pressReleaseId: integer("press_release_id")
      .notNull()
      .references(() => pressReleases.id, { onDelete: "cascade" }),
    tagType: text("tag_type", { enum: ["aggregator", "category"] }).notNull(),
    tagId: text("tag_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.pressReleaseId, t.tagType, t.tagId] }), index("press_tags_tag_idx").on(t.tagType, t.tagId)],
);

export const attachments = sqliteTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    pressReleaseId: integer("press_release_id").references(() => pressReleases.id, { onDelete: "cascade" }),
    /** Name as uploaded, for display and Content-Disposition only; never a path. */
    originalName: text("original_name").notNull(),
    mimeType: text("mime_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("attachments_release_idx").on(t.pressReleaseId)],
);
