import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregators, categories } from "@db/schema";
import { openDatabase, type Database } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { startSqld, type SqldServer } from "../helpers/sqld";

/** 2^53 + 1: a double would silently round it to 2^53. */
async function expectBigIntegersRefused(database: Database) {
  const refusal = async (query: Promise<unknown>) => {
    const error = await query.then(
      () => undefined,
      (e: unknown) => e,
    );
    // drizzle may wrap the driver's error: look along the cause chain.
    const chain: unknown[] = [];
    for (let e = error; e instanceof Error; e = e.cause) chain.push(e);
    return chain.some((e) => e instanceof RangeError);
  };
  expect(await refusal(database.all(sql`SELECT 9007199254740993 AS n`))).toBe(true);
  expect(await refusal(database.select({ n: sql<number>`9007199254740993` }).from(aggregators).limit(1))).toBe(true);
  expect(await database.all(sql`SELECT 9007199254740991 AS n`)).toEqual([{ n: Number.MAX_SAFE_INTEGER }]);
}

describe("file database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("runs in WAL mode with a busy timeout, foreign keys on and synchronous = NORMAL on the connection the domain uses", async () => {
    const pragma = async (name: string) => Object.values((await db.db.get<Record<string, unknown>>(sql.raw(`PRAGMA ${name}`)))!)[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(Number(await pragma("busy_timeout"))).toBeGreaterThanOrEqual(5000);
    expect(Number(await pragma("foreign_keys"))).toBe(1);
    // At FULL every commit would fsync while blocking the event loop.
    expect(Number(await pragma("synchronous"))).toBe(1);
  });

  it("answers raw reads with named columns, also in a batch, and runs with libSQL's result fields", async () => {
    const rows = await db.db.all<{ id: string; n: number }>(sql`SELECT id, 7 AS n FROM aggregators WHERE id = ${"consip"}`);
    expect(rows).toEqual([{ id: "consip", n: 7 }]);
    expect(await db.db.get(sql`SELECT id FROM aggregators WHERE id = ${"consip"}`)).toEqual({ id: "consip" });
    const [inBatch, single] = await db.db.batch([
      db.db.all(sql`SELECT id FROM aggregators WHERE id = ${"consip"}`),
      db.db.get(sql`SELECT id FROM aggregators WHERE id = ${"nessuno"}`),
    ]);
    expect(inBatch).toEqual([{ id: "consip" }]);
    expect(single).toBeUndefined();
    const written = await db.db.run(sql`INSERT INTO settings (key, value) VALUES (${"driver-test"}, ${"1"})`);
    expect(written.rowsAffected).toBe(1);
    const read = await db.db.run(sql`SELECT value FROM settings WHERE key = ${"driver-test"}`);
    expect(read.rows[0]![0]).toBe("1");
  });

  it("keeps a statement issued outside an open transaction out of it", async () => {
    // Another request: its statement is set up outside the transaction and issued while it is open.
    let issue!: () => void;
    const outside = new Promise<void>((resolve) => (issue = resolve)).then(() =>
      db.db.run(sql`INSERT INTO settings (key, value) SELECT ${"outside"}, count(*) FROM settings WHERE key = ${"inside"}`),
    );
    await expect(
      db.db.transaction(async (tx) => {
        await tx.run(sql`INSERT INTO settings (key, value) VALUES (${"inside"}, ${"rolled back"})`);
        issue();
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error("abandon");
      }),
    ).rejects.toThrow("abandon");
    await outside;
    // It neither saw this transaction's row nor was rolled back with it.
    const rows = await db.db.all<{ key: string; value: string }>(sql`SELECT key, value FROM settings WHERE key IN ('inside', 'outside')`);
    expect(rows).toEqual([{ key: "outside", value: "0" }]);
  });

  it("nests a transaction opened through getDb() inside an open one as a savepoint", async () => {
    const { getDb } = await import("@/lib/db");
    await db.db.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO settings (key, value) VALUES (${"outer"}, ${"1"})`);
      await expect(
        (await getDb()).transaction(async (inner) => {
          await inner.run(sql`INSERT INTO settings (key, value) VALUES (${"inner"}, ${"1"})`);
          throw new Error("inner only");
        }),
      ).rejects.toThrow("inner only");
    });
    const rows = await db.db.all<{ key: string }>(sql`SELECT key FROM settings WHERE key IN ('outer', 'inner')`);
    expect(rows).toEqual([{ key: "outer" }]);
  });

  it("refuses integers beyond 2^53 instead of rounding them", async () => {
    await expectBigIntegersRefused(db.db);
  });

  it("applies migrations idempotently", async () => {
    await applyMigrations(db, ROOT);
    await applyMigrations(db, ROOT);
    const rows = await db.db.run(sql`select count(*) as n from __drizzle_migrations`);
    expect(Number(rows.rows[0]![0])).toBeGreaterThan(0);
  });

  it("seeds the aggregators named in the sources, and a second seed duplicates nothing", async () => {
    const before = await db.db.select().from(aggregators);
    await seedDatabase(db.db, { root: ROOT });
    const after = await db.db.select().from(aggregators);
    expect(after).toHaveLength(before.length);
    const ids = after.map((a) => a.id);
    for (const id of ["consip", "intercent-er", "citta-metropolitana-milano", "citta-metropolitana-bologna", "citta-metropolitana-genova", "citta-metropolitana-torino", "provincia-vicenza"]) {
      expect(ids).toContain(id);
    }
    const roads = await db.db.select().from(categories).where(sql`${categories.id} = 'manutenzione-strade'`);
    expect(roads).toHaveLength(1);
  });
});

describe("libSQL server (sqld on loopback)", () => {
  let server: SqldServer;
  beforeAll(async () => {
    server = await startSqld();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("migrates and seeds the same schema over HTTP", async () => {
    const conn = await openDatabase(server.url);
    await applyMigrations(conn, ROOT);
    await seedDatabase(conn.db, { root: ROOT });
    const rows = await conn.db.select().from(aggregators);
    expect(rows.length).toBeGreaterThanOrEqual(7);
    await expectBigIntegersRefused(conn.db);
    conn.client.close();
  });
});
