/**
 * More than one machine, proven on one: two app processes and two workers
 * on one libSQL file. Sessions, rate limits and jobs live in the database,
 * so nothing depends on which process answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { exerciseCluster, startCluster, type Cluster } from "../helpers/cluster";

let tdb: TestDatabase;
let sink: SmtpSink;
let cluster: Cluster;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
  cluster = await startCluster({ databaseUrl: tdb.url, smtpUrl: sink.url, apps: 2, workers: 2 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  await sink?.close();
  await tdb?.cleanup();
});

describe("two app processes and two workers on one database", () => {
  it("serve, sign in, limit, record progress and fan out with no errors and no duplicates", async () => {
    const run = await exerciseCluster(tdb.db, cluster, sink);
    expect(run.failures).toEqual([]);
    expect(run.requests).toBeGreaterThan(50);
    expect(run.crossAppAccount, "a session started on one app is valid on the other").toBe(200);
    expect(run.sharedRateLimit, "wrong passwords counted across both apps").toBe(429);
    expect(run.progressRows).toBe(run.progressWrites);
    expect(run.messages).toBe(200);
    expect(run.recipients).toBe(200);
    expect(run.sentDeliveries).toBe(200);
  }, 120_000);
});
