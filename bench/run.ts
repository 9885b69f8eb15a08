/**
 * `npm run bench`: builds the site if needed, seeds a fresh database at a
 * realistic size, starts the real server on loopback and runs each scenario
 * beside its baseline, then writes bench/results/latest.{json,md}.
 * `npm run bench -- --full` adds the 100,000-subscriber fan-out.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { runCli, UsageError } from "@/cli/cli";
import { openDatabase } from "@/lib/db";
import { prepareDatabase } from "@/seed/prepare";
import {
  announceToEveryone,
  countCompletions,
  createLearnerSessions,
  missingCompletions,
  pageTargets,
  progressRequest,
  sentDeliveries,
} from "./app";
import { generateBenchData, generateSubscribers, REALISTIC, TEN_TIMES } from "./generate";
import { ROOT, startApp, type App } from "./lib/processes";
import { startCountingSink } from "./lib/sink";
import { evaluateTargets, toMarkdown, writeResults, type BenchResults } from "./report";
import { fanoutScenario } from "./scenarios/fanout";
import { multiProcessScenario } from "./scenarios/multiprocess";
import { pagesScenario } from "./scenarios/pages";
import { progressScenario } from "./scenarios/progress";
import { replicaScenario } from "./scenarios/replica";
import { scaleScenario } from "./scenarios/scale";
import { buildScenario, freshCloneScenario, startScenario } from "./scenarios/startup";
import { weightScenario } from "./scenarios/weight";

const USAGE = `Uso: npm run bench [-- --full] [-- --duration SECONDI] [-- --connections N]

  --full            aggiunge l'invio a 100.000 iscritti (memoria costante)
  --duration N      secondi di carico per ogni misura (predefinito 8)
  --connections N   connessioni simultanee di autocannon (predefinito 50)`;

const Flags = z.object({
  full: z.boolean().default(false),
  duration: z.coerce.number().int().min(1).max(60).default(8),
  connections: z.coerce.number().int().min(1).max(500).default(50),
});

await runCli("bench", USAGE, { full: { type: "boolean" }, duration: { type: "string" }, connections: { type: "string" }, help: { type: "boolean" } }, async ({ values, progress }) => {
  const parsed = Flags.safeParse(values);
  if (!parsed.success) throw new UsageError(`valore non valido per --${String(parsed.error.issues[0]!.path[0])}`);
  const flags = parsed.data;
  const began = performance.now();
  const load = { connections: flags.connections, durationSeconds: flags.duration };
  const skipped: BenchResults["skipped"] = [];
  const apps: App[] = [];
  const attempt = async <T>(scenario: string, run: () => Promise<T>): Promise<T | undefined> => {
    progress(scenario);
    try {
      return await run();
    } catch (error) {
      skipped.push({ scenario, reason: error instanceof Error ? error.message.split("\n")[0]! : String(error) });
      // The servers' own words on it, for whoever reads the terminal.
      for (const app of apps) process.stderr.write(`--- ${scenario}: uscita del server ${app.url}\n${app.output().slice(-3000)}\n`);
      return undefined;
    }
  };

  const build = await attempt("compilazione (npm run build)", buildScenario);
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-bench-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  const sink = await startCountingSink();
  try {
    progress("database di prova");
    const conn = await openDatabase(databaseUrl);
    const db = conn.db;
    await prepareDatabase(conn, ROOT);
    const generatedAt = performance.now();
    const data = await generateBenchData(db, REALISTIC);
    const cookies = await createLearnerSessions(db, data.learnerIds);
    const generateMs = Math.round(performance.now() - generatedAt);

    const start = [];
    const fresh = await attempt("avvio su database vuoto", () => startScenario("database vuoto", `file:${path.join(dir, "fresh.db")}`, dir));
    if (fresh) start.push(fresh);
    const realistic = await attempt("avvio su database realistico", () => startScenario("database realistico", databaseUrl, dir));
    if (realistic) start.push(realistic);
    const clone = await attempt("primo avvio di un clone nuovo", freshCloneScenario);
    if (clone) start.push(clone);

    const appEnv = {
      DATABASE_URL: databaseUrl,
      MAIL_OUTBOX_DIR: path.join(dir, "outbox"),
      UPLOADS_DIR: path.join(dir, "uploads"),
      SMTP_URL: sink.url,
    };
    const app = await startApp(appEnv);
    apps.push(app);

    const firstPending = data.pendingLessons[0];
    const lesson = firstPending ? { course: firstPending.courseSlug, lesson: firstPending.lessonSlug } : undefined;
    const learnerCookie = firstPending ? cookies.get(firstPending.userId)! : "";
    const pages = lesson ? pageTargets(data, learnerCookie, lesson) : pageTargets(data, "", { course: "", lesson: "" }).filter((p) => p.name !== "lezione");
    if (!lesson) skipped.push({ scenario: "pagina della lezione", reason: "nessun corso nel database" });

    const pageResults = [];
    for (const page of pages) {
      const result = await attempt(`pagina ${page.name}`, () => pagesScenario(app, [page], load));
      if (result) pageResults.push(...result);
    }
    const weight = (await attempt("peso delle pagine", () => weightScenario(app.url, pages.filter((p) => !p.name.includes("senza"))))) ?? [];

    // The lesson page above marked nobody's lesson done; the progress scenario writes the rest.
    const progressResult = await attempt("scritture dei progressi", () =>
      progressScenario({
        siteUrl: app.url,
        sitePid: app.pid,
        writes: data.pendingLessons,
        request: progressRequest(app.url, cookies),
        countRows: () => countCompletions(db),
        missing: (writes) => missingCompletions(db, writes),
        load,
      }),
    );

    const maxConnections = 5;
    // Retries come back within the run, so a temporary failure under load shows as a delay, not a stall.
    const workerEnv = { ...appEnv, ALERTS_POLL_MS: "100", ALERTS_RETRY_BASE_MS: "1000" };
    const fanout = [];
    const fanoutAt = async (subscribers: number) => {
      let eventKey = "";
      return fanoutScenario({
        sink,
        subscribers,
        workerEnv,
        maxConnections,
        timeoutMs: subscribers * 20,
        announce: async () => {
          eventKey = await announceToEveryone(db, `fanout-${subscribers}`);
        },
        sentDeliveries: () => sentDeliveries(db, eventKey),
      });
    };
    const small = await attempt(`invio a ${REALISTIC.subscribers} iscritti`, () => fanoutAt(REALISTIC.subscribers));
    if (small) fanout.push(small);

    let multiProcess;
    multiProcess = await attempt("2 app + 2 worker su un database", async () => {
      apps.push(await startApp(appEnv));
      let eventKey = "";
      return multiProcessScenario({
        apps,
        sink,
        subscribers: REALISTIC.subscribers,
        workerEnv,
        paths: ["/", pages[1]!.path],
        timeoutMs: REALISTIC.subscribers * 20,
        durationSeconds: flags.duration,
        announce: async () => {
          eventKey = await announceToEveryone(db, "multi-process");
        },
        sentDeliveries: () => sentDeliveries(db, eventKey),
      });
    });

    // The same pages at 10× the data, each size on its own app with the micro-cache off.
    const scale = await attempt("costo a 10× i dati", async () => {
      const url10 = `file:${path.join(dir, "bench10.db")}`;
      const conn10 = await openDatabase(url10);
      try {
        await prepareDatabase(conn10, ROOT);
        const data10 = await generateBenchData(conn10.db, TEN_TIMES);
        const pending10 = data10.pendingLessons[0]!;
        const cookie10 = (await createLearnerSessions(conn10.db, [pending10.userId])).get(pending10.userId)!;
        const uncached = { PAGE_CACHE_MS: "0" };
        const small = await startApp({ ...appEnv, ...uncached });
        apps.push(small);
        const large = await startApp({ ...appEnv, ...uncached, DATABASE_URL: url10 });
        apps.push(large);
        const scalePages = (all: ReturnType<typeof pageTargets>) => all.filter((p) => p.name !== "catalogo senza micro-cache");
        return await scaleScenario(
          { app: small, pages: scalePages(pages) },
          { app: large, pages: scalePages(pageTargets(data10, cookie10, { course: pending10.courseSlug, lesson: pending10.lessonSlug })) },
          { connections: 10, durationSeconds: flags.duration },
        );
      } finally {
        conn10.client.close();
      }
    });

    const replica = await attempt("2 app su una replica libSQL + 2 worker sul primario", () =>
      replicaScenario({ sink, dir, subscribers: 2_000, durationSeconds: flags.duration }),
    );

    if (flags.full) {
      await generateSubscribers(db, 100_000 - REALISTIC.subscribers, REALISTIC.subscribers);
      const large = await attempt("invio a 100000 iscritti", () => fanoutAt(100_000));
      if (large) fanout.push(large);
    }
    conn.client.close();

    const partial = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "sconosciuto",
        memoryGB: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
        platform: `${os.type()} ${os.release()}`,
      },
      options: { full: flags.full, connections: flags.connections, durationSeconds: flags.duration },
      sizes: { ...data.counts, ...(flags.full ? { subscribersFull: 100_000 } : {}) },
      setup: { generateMs },
      build,
      start,
      pages: pageResults,
      progress: progressResult,
      fanout,
      weight,
      multiProcess,
      scale: scale ?? [],
      replica,
      skipped,
    };
    const results: BenchResults = { ...partial, targets: evaluateTargets(partial), totalSeconds: (performance.now() - began) / 1000 };
    await writeResults(path.join(ROOT, "bench/results"), results);
    process.stdout.write(toMarkdown(results));
    const missed = results.targets.filter((t) => !t.met).length;
    if (skipped.length > 0) process.exitCode = 1;
    return `${results.targets.length - missed} obiettivi raggiunti, ${missed} mancati, ${skipped.length} scenari non eseguiti; risultati in bench/results/latest.md`;
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
});
