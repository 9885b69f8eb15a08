import { spawn, spawnSync } from "node:child_process";
import { copyFile, rm } from "node:fs/promises";
import path from "node:path";
import { createClient, type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupDatabase, describeBackup } from "@/lib/backup";
import { openDatabase } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { recordFigure } from "../helpers/figures";
import { startSqld, type SqldServer } from "../helpers/sqld";

const TSX = path.join(ROOT, "node_modules/.bin/tsx");

/** Starts tests/fixtures/keep-writing.ts against `url`; resolves once it has committed its first write. */
async function startWriter(url: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/keep-writing.ts", url], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  // A loop, not vi.waitFor: it gives up at once if the process exits instead of waiting out the timeout.
  const deadline = Date.now() + 30_000;
  while (!output.includes("ready")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`writer did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    async stop(): Promise<number> {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      const match = /wrote (\d+)/.exec(output);
      if (!match) throw new Error(`writer failed: ${output}`);
      return Number(match[1]);
    },
  };
}

/** Row count of every ordinary table, by name. */
async function tableCounts(client: Client, except: string[] = []): Promise<Record<string, number>> {
  const tables = await client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'libsql_%' ORDER BY name",
  );
  const counts: Record<string, number> = {};
  for (const row of tables.rows) {
    const name = String(row.name);
    if (except.includes(name)) continue;
    const result = await client.execute(`SELECT count(*) FROM "${name}"`);
    counts[name] = Number(result.rows[0]![0]);
  }
  return counts;
}

/** The writer's rows in a copy: numbers 1..k with no gap and both halves of every transaction. */
async function writerRows(client: Client): Promise<number[]> {
  const settings = await client.execute("SELECT CAST(value AS INTEGER) AS n FROM settings WHERE key LIKE 'writer-%' ORDER BY n");
  const audit = await client.execute("SELECT CAST(entity_id AS INTEGER) AS n FROM audit_log WHERE action = 'test.write' ORDER BY n");
  const a = settings.rows.map((r) => Number(r.n));
  const b = audit.rows.map((r) => Number(r.n));
  expect(b).toEqual(a);
  expect(a).toEqual(Array.from({ length: a.length }, (_, i) => i + 1));
  return a;
}

describe("db:backup of a file database while another process writes", () => {
  let source: TestDatabase;
  let seeded: Record<string, number>;
  beforeAll(async () => {
    source = await createTestDatabase({ seed: true });
    seeded = await tableCounts(source.client, ["settings", "audit_log"]);
  });
  afterAll(async () => {
    await source.cleanup();
  });

  it("writes a copy that, restored, holds every seeded record and whole transactions only", async () => {
    const writer = await startWriter(source.url);
    const out = path.join(source.dir, "backups", "copia.db");
    const run = spawnSync(TSX, ["src/cli/db-backup.ts", "--out", out], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: source.url },
      encoding: "utf8",
    });
    const written = await writer.stop();
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^db:backup: copia scritta in .*copia\.db \(\d+ tabelle, [\d.]+ righe/m);

    // Restore as the README says: the site is stopped, the file is copied over DATABASE_URL's path, no -wal/-shm beside it.
    const restoredPath = path.join(source.dir, "restored", "aggrega.db");
    await rm(path.dirname(restoredPath), { recursive: true, force: true });
    await openDatabase(`file:${restoredPath}`).then((c) => c.client.close());
    await rm(restoredPath, { force: true });
    await rm(`${restoredPath}-wal`, { force: true });
    await rm(`${restoredPath}-shm`, { force: true });
    await copyFile(out, restoredPath);
    const restored = await openDatabase(`file:${restoredPath}`);
    await applyMigrations(restored, ROOT);
    const integrity = await restored.client.execute("PRAGMA integrity_check");
    expect(integrity.rows[0]![0]).toBe("ok");
    expect(await tableCounts(restored.client, ["settings", "audit_log"])).toEqual(seeded);
    const rows = await writerRows(restored.client);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    // The writer kept committing after the snapshot: the copy is a consistent prefix, not the end state.
    expect(rows.length).toBeLessThan(written);
    restored.client.close();
    const seededRows = Object.values(seeded).reduce((a, b) => a + b, 0);
    recordFigure("backup", { tables: Object.keys(seeded).length + 2, seededRowsChecked: seededRows, writerTransactionsInCopy: rows.length, writerTransactionsTotal: written });
  });

  it("refuses to overwrite an existing file", async () => {
    const out = path.join(source.dir, "gia-presente.db");
    await backupDatabase(source.url, out);
    const run = spawnSync(TSX, ["src/cli/db-backup.ts", "--out", out], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: source.url },
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("esiste già");
  });
});

describe("db:backup of a libSQL server", () => {
  let server: SqldServer;
  let dir: TestDatabase;
  beforeAll(async () => {
    server = await startSqld();
    dir = await createTestDatabase();
    const conn = await openDatabase(server.url);
    await applyMigrations(conn, ROOT);
    await seedDatabase(conn.db, { root: ROOT });
    conn.client.close();
  });
  afterAll(async () => {
    await dir.cleanup();
    await server.stop();
  });

  it("exports every table from one snapshot into a file database while a writer runs", async () => {
    const client = createClient({ url: server.url });
    const seeded = await tableCounts(client, ["settings", "audit_log"]);
    const writer = await startWriter(server.url);
    const out = path.join(dir.dir, "da-server.db");
    const result = await backupDatabase(server.url, out);
    const written = await writer.stop();
    client.close();

    expect(result.tables).toBeGreaterThan(5);
    const copy = createClient({ url: `file:${out}` });
    expect(await tableCounts(copy, ["settings", "audit_log"])).toEqual(seeded);
    const rows = await writerRows(copy);
    expect(rows.length).toBeLessThanOrEqual(written);
    const journal = await copy.execute("SELECT count(*) FROM __drizzle_migrations");
    expect(Number(journal.rows[0]![0])).toBeGreaterThan(0);
    copy.close();
    expect((await describeBackup(out)).rows).toBe(result.rows);
  });
});
