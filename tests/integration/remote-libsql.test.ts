/**
 * The remote path, proven: everything below runs against a real libSQL
 * server (sqld on loopback, DATABASE_URL=http://127.0.0.1:PORT) instead of a
 * file: migrations and seed, the catalog query layer, and two app processes
 * plus two workers signing in, recording progress and fanning out alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogQuery, searchConventions } from "@/catalog";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { startSqld, type SqldServer } from "../helpers/sqld";
import { exerciseCluster, startCluster, type Cluster, type ClusterRun } from "../helpers/cluster";

let sqld: SqldServer;
let tdb: TestDatabase;
let sink: SmtpSink;
let cluster: Cluster;
let run: ClusterRun;

beforeAll(async () => {
  sqld = await startSqld();
  // Migrated and seeded over HTTP, then installed as this process's getDb().
  tdb = await createTestDatabase({ url: sqld.url, seed: true });
  sink = await startSmtpSink();
  cluster = await startCluster({ databaseUrl: sqld.url, smtpUrl: sink.url, apps: 2, workers: 2 });
  run = await exerciseCluster(tdb.db, cluster, sink, { subscribers: 150, learners: 20 });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  await sink?.close();
  await tdb?.cleanup();
  await sqld?.stop();
});

describe("against a libSQL server (sqld)", () => {
  it("the database URL really is the server's", () => {
    expect(tdb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("runs the catalog query layer: full-text search, filters, totals and lots", async () => {
    const everything = await searchConventions(parseCatalogQuery(new URLSearchParams()).query);
    expect(everything.total).toBeGreaterThanOrEqual(30);
    const searched = await searchConventions(parseCatalogQuery(new URLSearchParams({ q: "pulizia" })).query);
    expect(searched.total).toBeGreaterThan(0);
    expect(searched.total).toBeLessThan(everything.total);
    const nothing = await searchConventions(parseCatalogQuery(new URLSearchParams({ q: "zzzinesistente" })).query);
    expect(nothing.total).toBe(0);
    const category = everything.items[0]!.category.id;
    const filtered = await searchConventions(parseCatalogQuery(new URLSearchParams({ categoria: category })).query);
    expect(filtered.total).toBeGreaterThan(0);
    for (const item of filtered.items) expect(item.category.id).toBe(category);
    expect(filtered.items.some((item) => item.lots.length > 0)).toBe(true);
  });

  it("two apps share sessions and rate limits, record every lesson and serve without errors", () => {
    expect(run.failures).toEqual([]);
    expect(run.crossAppAccount).toBe(200);
    expect(run.sharedRateLimit).toBe(429);
    expect(run.progressRows).toBe(run.progressWrites);
  });

  it("two workers fan one announcement out to every subscriber exactly once", () => {
    expect(run.messages).toBe(150);
    expect(run.recipients).toBe(150);
    expect(run.sentDeliveries).toBe(150);
  });
});
