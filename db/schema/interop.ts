import { blob, index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./common";
import { users } from "./accounts";

export const IMPORT_FORMATS = ["anac-cig", "consip-bandi", "ocds"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const IMPORT_JOB_STATUSES = ["queued", "running", "done", "failed"] as const;

/** Imports started from the back office: the uploaded file, its progress and, at the end, the summary and the report. */
export const catalogImports = sqliteTable(
  "catalog_imports",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    format: text("format", { enum: IMPORT_FORMATS }).notNull(),
    fileName: text("file_name").notNull(),
    content: blob("content", { mode: "buffer" }).notNull(),
    partial: integer("partial", { mode: "boolean" }).notNull().default(false),
    lenient: integer("lenient", { mode: "boolean" }).notNull().default(false),
    dryRun: integer("dry_run", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: IMPORT_JOB_STATUSES }).notNull().default("queued"),
    /** Rows (or releases) read so far, and how many the file has once known. */
    processed: integer("processed").notNull().default(0),
    total: integer("total"),
    /** The outcome (ImportSummary) and the rejected rows, as JSON. */
    summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>(),
    /** Why a failed import changed nothing, in Italian. */
    failure: text("failure"),
    requestedBy: text("requested_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("catalog_imports_status_idx").on(t.status, t.id)],
);
