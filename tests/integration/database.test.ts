import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aggregators, categories } from "@db/schema";
import { openDatabase } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { seedDatabase } from "@/seed";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { startSqld, type SqldServer } from "../helpers/sqld";

describe("file database", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("runs in WAL mode with a busy timeout and foreign keys on", async () => {
    const mode = await db.client.execute("PRAGMA journal_mode");
    expect(mode.rows[0]![0]).toBe("wal");
    const timeout = await db.client.execute("PRAGMA busy_timeout");
    expect(Number(timeout.rows[0]![0])).toBeGreaterThanOrEqual(5000);
    const fk = await db.client.execute("PRAGMA foreign_keys");
    expect(Number(fk.rows[0]![0])).toBe(1);
  });

  it("sets synchronous = NORMAL on every pooled connection, not only the first", async () => {
    // Issued together, the reads borrow every connection of the pool; at FULL each commit would fsync.
    const modes = await Promise.all(Array.from({ length: 25 }, () => db.client.execute("PRAGMA synchronous")));
    expect(modes.map((m) => Number(m.rows[0]![0]))).toEqual(Array(25).fill(1));
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
    conn.client.close();
  });
});
