/**
 * Consistent copies of a live database. A file database is copied by SQLite
 * itself (`VACUUM INTO`), which reads one snapshot while other processes keep
 * writing; a libSQL server is exported by reading every table inside one read
 * transaction into a new file database.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { createClient, type Client, type InValue, type Transaction } from "@libsql/client";

export interface BackupResult {
  file: string;
  /** Tables copied (the migrations journal included). */
  tables: number;
  /** Rows across every table, counted in the copy. */
  rows: number;
  bytes: number;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

interface SchemaEntry {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** Where `npm run db:backup` writes when no --out is given. */
export function defaultBackupFile(root: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[:]/g, "-");
  return path.join(root, "data/backups", `aggrega-${stamp}.db`);
}

/** Copies the database at `url` into the new file `out` (which must not exist yet). */
export async function backupDatabase(url: string, out: string, authToken?: string): Promise<BackupResult> {
  const file = path.resolve(out);
  if (existsSync(file)) throw new BackupError(`il file ${file} esiste già: scegli un altro nome con --out`);
  mkdirSync(path.dirname(file), { recursive: true });
  // Integers as bigint: a remote export must not round large values through doubles.
  const source = createClient({ url, authToken, intMode: "bigint", timeout: 30_000 });
  try {
    if (url.startsWith("file:")) {
      await source.execute({ sql: "VACUUM INTO ?", args: [file] });
    } else {
      await exportRemote(source, file);
    }
  } finally {
    source.close();
  }
  return describeBackup(file);
}

/** Counts what a backup holds and checks its integrity; used after writing and by restore checks. */
export async function describeBackup(file: string): Promise<BackupResult> {
  const copy = createClient({ url: `file:${file}`, intMode: "bigint" });
  try {
    const check = await copy.execute("PRAGMA integrity_check");
    const verdict = String(check.rows[0]?.[0] ?? "");
    if (verdict !== "ok") throw new BackupError(`la copia ${file} non supera il controllo di integrità: ${verdict}`);
    const tables = await userTables(copy);
    let rows = 0;
    for (const table of tables) {
      const result = await copy.execute(`SELECT count(*) FROM ${quote(table.name)}`);
      rows += Number(result.rows[0]![0]);
    }
    const size = await copy.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
    return { file, tables: tables.length, rows, bytes: Number(size.rows[0]![0]) };
  } finally {
    copy.close();
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function schemaOf(reader: Client | Transaction): Promise<SchemaEntry[]> {
  const result = await reader.execute(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE 'libsql_%' AND name NOT LIKE '_litestream%' ORDER BY rowid",
  );
  return result.rows.map((row) => ({ type: String(row.type), name: String(row.name), tbl_name: String(row.tbl_name), sql: row.sql === null ? null : String(row.sql) }));
}

/** Ordinary tables whose rows we copy: virtual tables are rebuilt from their shadow tables. */
async function userTables(reader: Client | Transaction): Promise<SchemaEntry[]> {
  return (await schemaOf(reader)).filter((entry) => entry.type === "table" && !/^CREATE VIRTUAL TABLE/i.test(entry.sql ?? ""));
}

async function exportRemote(source: Client, file: string): Promise<void> {
  const target = createClient({ url: `file:${file}`, intMode: "bigint" });
  // One read transaction: every table comes from the same snapshot while writers carry on.
  const snapshot = await source.transaction("read");
  let write: Transaction | undefined;
  try {
    const schema = await schemaOf(snapshot);
    const virtual = schema.filter((e) => e.type === "table" && /^CREATE VIRTUAL TABLE/i.test(e.sql ?? ""));
    // Shadow tables (fts_data, fts_idx …) are created by their virtual table, so only their rows are copied.
    const isShadow = (name: string) => virtual.some((v) => name.startsWith(`${v.name}_`));
    await target.execute("PRAGMA foreign_keys = OFF");
    write = await target.transaction("write");
    for (const entry of schema.filter((e) => e.type === "table" && e.sql && !isShadow(e.name))) {
      await write.execute(entry.sql!);
    }
    for (const table of schema.filter((e) => e.type === "table" && !virtual.includes(e))) {
      await copyRows(snapshot, write, table.name, /WITHOUT\s+ROWID/i.test(table.sql ?? ""));
    }
    // Indexes, views and triggers last, so triggers do not fire while rows are copied.
    for (const entry of schema.filter((e) => e.type !== "table" && e.sql)) {
      await write.execute(entry.sql!);
    }
    await write.commit();
  } finally {
    write?.close();
    snapshot.close();
    target.close();
  }
}

async function copyRows(snapshot: Transaction, target: Transaction, table: string, withoutRowid: boolean): Promise<void> {
  const pageSize = 500;
  const order = withoutRowid ? "1" : "rowid";
  for (let offset = 0; ; offset += pageSize) {
    const page = await snapshot.execute({ sql: `SELECT * FROM ${quote(table)} ORDER BY ${order} LIMIT ? OFFSET ?`, args: [pageSize, offset] });
    if (page.rows.length === 0) return;
    const columns = page.columns.map(quote).join(", ");
    const marks = page.columns.map(() => "?").join(", ");
    const insert = `INSERT OR REPLACE INTO ${quote(table)} (${columns}) VALUES (${marks})`;
    for (const row of page.rows) {
      await target.execute({ sql: insert, args: page.columns.map((_, i) => row[i] as InValue) });
    }
    if (page.rows.length < pageSize) return;
  }
}
