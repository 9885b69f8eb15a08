/**
 * Several app processes and workers on one database, as on several
 * machines: the shared scenario behind the multi-process and remote libSQL
 * tests (and, at full size, the benchmark's).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { and, count, eq } from "drizzle-orm";
import { announcements, deliveries, lessonCompletions } from "@db/schema";
import type { Database } from "@/lib/db";
import { announceToEveryone, createLearnerSessions } from "../../bench/app";
import { BENCH_PASSWORD, generateBenchData, type GeneratedData } from "../../bench/generate";
import { ROOT } from "./db";
import { startSite, type RunningSite } from "./server";
import type { SmtpSink } from "./smtp";

export interface Cluster {
  apps: RunningSite[];
  workers: (ChildProcess & { output(): string })[];
  /** Stops the workers (each finishes what it is sending, then exits); the apps keep running. */
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `apps` web processes (WORKER=off) and `workers` `npm run worker` processes on one database. */
export async function startCluster(options: { databaseUrl: string; smtpUrl: string; apps: number; workers: number }): Promise<Cluster> {
  // The micro-cache stays on here: several processes must be correct with it, as in production.
  const env = { DATABASE_URL: options.databaseUrl, SMTP_URL: options.smtpUrl, WORKER: "off", ALERTS_POLL_MS: "100", PAGE_CACHE_MS: "1000" };
  const apps: RunningSite[] = [];
  const workers: Cluster["workers"] = [];
  const stopWorkers = async () => {
    for (const w of workers) if (w.exitCode === null) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once("exit", r)) : undefined)));
  };
  const stop = async () => {
    await stopWorkers();
    await Promise.all(apps.map((a) => a.stop()));
  };
  try {
    // One after the other: the first may rebuild dist/, which the others then reuse.
    for (let i = 0; i < options.apps; i++) apps.push(await startSite(env));
    for (let i = 0; i < options.workers; i++) {
      let output = "";
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/worker.ts"], {
        cwd: ROOT,
        env: { ...process.env, ...env, SITE_URL: apps[0]!.baseUrl, LOG_LEVEL: "warn" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout!.on("data", (c) => (output += c));
      child.stderr!.on("data", (c) => (output += c));
      workers.push(Object.assign(child, { output: () => output }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { apps, workers, stopWorkers, stop };
}

export interface ClusterRun {
  /** Requests answered with a status ≥ 400 or not answered at all, with what they were. */
  failures: string[];
  requests: number;
  /** The account's sign-in on one app, the cookie used on another. */
  crossAppAccount: number;
  /** Status of the last of 9 wrong-password attempts spread over two apps (limit: 8 per account). */
  sharedRateLimit: number;
  progressWrites: number;
  progressRows: number;
  recipients: number;
  messages: number;
  sentDeliveries: number;
}

const FORM = "application/x-www-form-urlencoded";

/**
 * Seeds small benchmark data, then under light page load from every app:
 * signs in on one app and reads the account on another, spreads wrong
 * passwords over two apps, posts lesson completions to alternating apps and
 * fans out one announcement through the workers, which it then stops.
 */
export async function exerciseCluster(db: Database, cluster: Cluster, sink: SmtpSink, sizes = { subscribers: 200, learners: 30 }): Promise<ClusterRun & { data: GeneratedData }> {
  const data = await generateBenchData(db, { conventions: 30, pressReleases: 20, learners: sizes.learners, subscribers: sizes.subscribers });
  const cookies = await createLearnerSessions(db, data.learnerIds.slice(2));
  const [a, b] = [cluster.apps[0]!, cluster.apps[1] ?? cluster.apps[0]!];
  const failures: string[] = [];
  let requests = 0;
  const call = async (site: RunningSite, p: string, init: RequestInit = {}) => {
    requests += 1;
    try {
      const response = await fetch(`${site.baseUrl}${p}`, { redirect: "manual", ...init });
      await response.arrayBuffer();
      return response;
    } catch (error) {
      failures.push(`${init.method ?? "GET"} ${p}: ${String(error)}`);
      return undefined;
    }
  };
  const expectOk = async (site: RunningSite, p: string, init: RequestInit = {}) => {
    const response = await call(site, p, init);
    if (response && response.status >= 400) failures.push(`${init.method ?? "GET"} ${p}: ${response.status}`);
    return response;
  };

  let loading = true;
  const pages = ["/", "/convenzioni?q=pulizia", `/sala-stampa/${data.pressSlugs[0]}`];
  const load = Promise.all(
    cluster.apps.map(async (site) => {
      for (let i = 0; loading; i++) await expectOk(site, pages[i % pages.length]!);
    }),
  );

  const login = (site: RunningSite, email: string, password: string) =>
    call(site, "/accedi", {
      method: "POST",
      headers: { origin: site.baseUrl, "content-type": FORM },
      body: new URLSearchParams({ email, password }).toString(),
    });
  const signedIn = await login(a, "discente.00000@bench.example", BENCH_PASSWORD);
  const sessionCookie = signedIn?.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ") ?? "";
  const account = await call(b, "/account", { headers: { cookie: sessionCookie } });

  let lastAttempt = 0;
  for (let i = 0; i < 9; i++) {
    const response = await login(i % 2 === 0 ? a : b, "discente.00001@bench.example", "password-sbagliata-123");
    lastAttempt = response?.status ?? 0;
  }

  const writes = data.pendingLessons.filter((w) => cookies.has(w.userId)).slice(0, 40);
  await Promise.all(
    writes.map((w, i) =>
      expectOk(i % 2 === 0 ? a : b, `/formazione/${w.courseSlug}/${w.lessonSlug}`, {
        method: "POST",
        headers: { cookie: cookies.get(w.userId)!, origin: (i % 2 === 0 ? a : b).baseUrl, "content-type": FORM },
        body: "",
      }),
    ),
  );
  let progressRows = 0;
  for (const w of writes) {
    const [row] = await db
      .select({ n: count() })
      .from(lessonCompletions)
      .where(and(eq(lessonCompletions.userId, w.userId), eq(lessonCompletions.courseSlug, w.courseSlug), eq(lessonCompletions.lessonSlug, w.lessonSlug)));
    progressRows += row?.n ?? 0;
  }

  const eventKey = await announceToEveryone(db, "cluster");
  await sink.waitFor(sizes.subscribers, 60_000);
  // With the workers stopped no late duplicate can arrive: what the sink holds now is everything they sent.
  await cluster.stopWorkers();
  loading = false;
  await load;
  const [sent] = await db
    .select({ n: count() })
    .from(deliveries)
    .innerJoin(announcements, eq(deliveries.announcementId, announcements.id))
    .where(and(eq(announcements.eventKey, eventKey), eq(deliveries.status, "sent")));
  const recipients = new Set(sink.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text));
  return {
    data,
    failures,
    requests,
    crossAppAccount: account?.status ?? 0,
    sharedRateLimit: lastAttempt,
    progressWrites: writes.length,
    progressRows,
    recipients: recipients.size,
    messages: sink.messages.length,
    sentDeliveries: sent?.n ?? 0,
  };
}
