/**
 * Alert fan-out: one announcement matching every subscriber, delivered by
 * the real worker process (src/cli/worker.ts) to a counting SMTP sink, beside
 * a baseline that sends the same messages straight through a pooled
 * nodemailer transport with no database in between.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { cpuTimeMs, ROOT, runNode, runTs, type Child } from "../lib/processes";
import { round } from "../lib/load";
import type { CountingSink } from "../lib/sink";

export interface FanoutRun {
  messages: number;
  ms: number;
  messagesPerSecond: number;
  peakRssMB: number;
  /** Sender CPU milliseconds per message (user + system). */
  cpuMsPerMessage: number;
}

export interface FanoutResult {
  subscribers: number;
  worker: FanoutRun & { duplicates: number; deliveries: number };
  baseline: FanoutRun;
  ratio: number;
}

export interface FanoutOptions {
  sink: CountingSink;
  subscribers: number;
  /** Environment of the worker process (DATABASE_URL, SMTP_URL, …). */
  workerEnv: Record<string, string>;
  /** Writes the announcement (through the outbox) and returns when it is committed. */
  announce(): Promise<void>;
  /** Deliveries recorded as sent for the announcement. */
  sentDeliveries(): Promise<number>;
  /** Pool size the worker's transport uses, so the baseline uses the same. */
  maxConnections: number;
  timeoutMs: number;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

const WORKER_ENTRY = "src/cli/worker.ts";

export async function startWorker(env: Record<string, string>): Promise<Child> {
  if (!existsSync(path.join(ROOT, WORKER_ENTRY))) throw new Error(`${WORKER_ENTRY} does not exist: the alert worker has no entry of its own`);
  // What `npm run worker` runs: the bundled worker, plain node.
  const worker = runNode(["scripts/run.mjs", "worker"], { LOG_LEVEL: "warn", ...env });
  // The worker is ready once its first pass has run; give it a moment to load.
  await new Promise((r) => setTimeout(r, 1500));
  if (worker.process.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
  return worker;
}

export async function fanoutScenario(options: FanoutOptions): Promise<FanoutResult> {
  const { sink, subscribers } = options;
  sink.reset();
  const worker = await startWorker(options.workerEnv);
  let workerRun: FanoutResult["worker"];
  try {
    const started = performance.now();
    const cpuBefore = cpuTimeMs(worker.pid);
    await options.announce();
    try {
      await sink.waitFor(subscribers, options.timeoutMs, { stallMs: 90_000, alive: () => worker.process.exitCode === null });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; worker: ${worker.output().slice(-1500).replace(/\s+/g, " ")}`);
    }
    const ms = sink.lastAt() - started;
    // Anything sent twice would arrive shortly after the last first copy.
    await new Promise((r) => setTimeout(r, 1000));
    workerRun = {
      messages: sink.total(),
      ms: round(ms),
      messagesPerSecond: round((subscribers / ms) * 1000),
      peakRssMB: mb(worker.peakRss()),
      cpuMsPerMessage: round((cpuTimeMs(worker.pid) - cpuBefore) / subscribers, 3),
      duplicates: sink.duplicates(),
      deliveries: await options.sentDeliveries(),
    };
  } finally {
    await worker.stop();
  }
  const sample = sink.sample();
  if (!sample) throw new Error("the sink kept no sample message");
  const file = path.join(os.tmpdir(), `aggrega-bench-sample-${process.pid}.eml`);
  await writeFile(file, sample);
  sink.reset();
  const baseline = runTs("bench/baseline-mailer.ts", {}, [file, String(subscribers), sink.url, String(options.maxConnections)]);
  const code = await baseline.exited;
  if (code !== 0) throw new Error(`the baseline mailer failed:\n${baseline.output()}`);
  const figures = JSON.parse(baseline.output().trim().split("\n").at(-1)!) as { messages: number; ms: number; peakRss: number; cpuMs: number };
  if (sink.total() !== subscribers) throw new Error(`the baseline sent ${sink.total()} of ${subscribers} messages`);
  const baselineRun: FanoutRun = {
    messages: figures.messages,
    ms: round(figures.ms),
    messagesPerSecond: round((figures.messages / figures.ms) * 1000),
    peakRssMB: mb(figures.peakRss),
    cpuMsPerMessage: round(figures.cpuMs / figures.messages, 3),
  };
  return { subscribers, worker: workerRun, baseline: baselineRun, ratio: round(workerRun.messagesPerSecond / baselineRun.messagesPerSecond, 2) };
}
