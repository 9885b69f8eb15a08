/**
 * Fingerprints of the rows already stored in the tables that hold people's
 * and editors' data, to prove that a burst of hostile requests changed none
 * of them (new rows from accepted input are allowed; changed or deleted ones
 * are not).
 */
import { createHash } from "node:crypto";
import type { Client } from "@libsql/client";

/** Tables whose existing rows no rejected request may touch. */
export const KEY_TABLES = [
  "users",
  "subscribers",
  "saved_searches",
  "convention_watches",
  "announcements",
  "aggregators",
  "categories",
  "category_cpv_codes",
  "conventions",
  "convention_lots",
  "joint_initiatives",
  "joint_initiative_partners",
  "activity_plans",
  "activity_plan_items",
  "tools",
  "tool_links",
  "course_versions",
  "lesson_completions",
  "quiz_attempts",
  "certificates",
  "press_releases",
  "press_release_tags",
  "attachments",
  "accessibility_reports",
  "audit_log",
];

export interface TableFingerprint {
  maxRowid: number;
  rows: number;
  sha256: string;
}

export type Snapshot = Record<string, TableFingerprint>;

async function fingerprint(client: Client, table: string, upTo?: number): Promise<TableFingerprint> {
  const max = upTo ?? Number((await client.execute(`SELECT coalesce(max(rowid), 0) FROM "${table}"`)).rows[0]![0]);
  const result = await client.execute({ sql: `SELECT * FROM "${table}" WHERE rowid <= ? ORDER BY rowid`, args: [max] });
  const hash = createHash("sha256");
  for (const row of result.rows) hash.update(JSON.stringify(Array.from(row, (v) => (typeof v === "bigint" ? v.toString() : v instanceof ArrayBuffer ? Buffer.from(v).toString("hex") : v))));
  return { maxRowid: max, rows: result.rows.length, sha256: hash.digest("hex") };
}

/** Fingerprints every key table that exists in this database. */
export async function takeSnapshot(client: Client): Promise<Snapshot> {
  const existing = new Set((await client.execute("SELECT name FROM sqlite_master WHERE type = 'table'")).rows.map((r) => String(r.name)));
  const snapshot: Snapshot = {};
  for (const table of KEY_TABLES.filter((t) => existing.has(t))) snapshot[table] = await fingerprint(client, table);
  return snapshot;
}

/** The same rows again (up to each table's earlier last rowid): equal when nothing stored changed. */
export async function sameRowsAs(client: Client, before: Snapshot): Promise<Snapshot> {
  const now: Snapshot = {};
  for (const [table, earlier] of Object.entries(before)) now[table] = await fingerprint(client, table, earlier.maxRowid);
  return now;
}

/** Total rows covered by a snapshot. */
export function rowsIn(snapshot: Snapshot): number {
  return Object.values(snapshot).reduce((sum, t) => sum + t.rows, 0);
}
