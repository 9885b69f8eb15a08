/**
 * Scale-out on libSQL replication: a sqld primary and a sqld replica on
 * loopback. Two app processes read from the replica (their writes forwarded
 * to the primary) and two workers run against the primary, under the same
 * light page load and fan-out as the single-database multi-process scenario.
 * Also reports how long the replica took to catch up with the generated data
 * and the worst delay before a single write on the primary showed on it.
 */
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { conventions, users } from "@db/schema";
import { openDatabase, type Connection } from "@/lib/db";
import { prepareDatabase } from "@/seed/prepare";
import { startSqld, type SqldServer } from "../../tests/helpers/sqld";
import { announceToEveryone, sentDeliveries } from "../app";
import { generateBenchData } from "../generate";
import { ROOT, startApp, type App } from "../lib/processes";
import type { CountingSink } from "../lib/sink";
import { round } from "../lib/load";
import { multiProcessScenario, type MultiProcessResult } from "./multiprocess";

export interface ReplicaResult extends MultiProcessResult {
  /** From the end of the data generation on the primary to the replica holding all of it. */
  catchUpMs: number;
  /** The slowest of a few single writes on the primary to show on the replica. */
  maxLagMs: number;
}

const DEADLINE_MS = 60_000;

async function poll(check: () => Promise<boolean>, what: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - started;
    if (performance.now() - started > DEADLINE_MS) throw new Error(`${what}: not on the replica after ${DEADLINE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function replicaScenario(options: { sink: CountingSink; dir: string; subscribers: number; durationSeconds: number }): Promise<ReplicaResult> {
  const servers: SqldServer[] = [];
  const apps: App[] = [];
  const connections: Connection[] = [];
  try {
    const primary = await startSqld({ replication: true });
    servers.push(primary);
    const replica = await startSqld({ primaryGrpcUrl: primary.grpcUrl });
    servers.push(replica);
    const conn = await openDatabase(primary.url);
    connections.push(conn);
    await prepareDatabase(conn, ROOT);
    const data = await generateBenchData(conn.db, { conventions: 60, pressReleases: 50, learners: 100, subscribers: options.subscribers });
    const replicaConn = await openDatabase(replica.url);
    connections.push(replicaConn);
    const learners = (await conn.db.select({ n: count() }).from(users))[0]!.n;
    const catchUpMs = await poll(async () => (await replicaConn.db.select({ n: count() }).from(users))[0]!.n === learners, "the generated data");
    let maxLagMs = 0;
    for (let i = 0; i < 5; i++) {
      const slug = data.conventionSlugs[i]!;
      const title = `Convenzione aggiornata ${i} ${Date.now()}`;
      await conn.db.update(conventions).set({ title }).where(eq(conventions.slug, slug));
      const lag = await poll(async () => (await replicaConn.db.select({ t: conventions.title }).from(conventions).where(eq(conventions.slug, slug)))[0]?.t === title, "a write");
      maxLagMs = Math.max(maxLagMs, lag);
    }
    const appEnv = {
      DATABASE_URL: replica.url,
      MAIL_OUTBOX_DIR: path.join(options.dir, "replica-outbox"),
      UPLOADS_DIR: path.join(options.dir, "replica-uploads"),
      SMTP_URL: options.sink.url,
    };
    apps.push(await startApp(appEnv), await startApp(appEnv));
    let eventKey = "";
    const result = await multiProcessScenario({
      apps,
      sink: options.sink,
      subscribers: options.subscribers,
      workerEnv: { ...appEnv, DATABASE_URL: primary.url, ALERTS_POLL_MS: "100", ALERTS_RETRY_BASE_MS: "1000" },
      paths: ["/", "/convenzioni?q=pulizia"],
      timeoutMs: options.subscribers * 30,
      durationSeconds: options.durationSeconds,
      announce: async () => {
        eventKey = await announceToEveryone(conn.db, "replica");
      },
      sentDeliveries: () => sentDeliveries(conn.db, eventKey),
    });
    return { ...result, catchUpMs: round(catchUpMs, 0), maxLagMs: round(maxLagMs, 0) };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    for (const c of connections) c.client.close();
    await Promise.all(servers.reverse().map((s) => s.stop()));
  }
}
