/**
 * More than one machine, on one: two app processes and two workers share
 * one database while pages are served from both apps and one announcement
 * fans out. Passes when nothing fails and nobody gets a message twice.
 */
import { runLoad, type LoadResult } from "../lib/load";
import type { App, Child } from "../lib/processes";
import type { CountingSink } from "../lib/sink";
import { startWorker } from "./fanout";

export interface MultiProcessResult {
  apps: number;
  workers: number;
  subscribers: number;
  requests: number;
  errors: number;
  messages: number;
  duplicates: number;
  deliveries: number;
  ms: number;
}

export interface MultiProcessOptions {
  apps: App[];
  sink: CountingSink;
  subscribers: number;
  workerEnv: Record<string, string>;
  paths: string[];
  announce(): Promise<void>;
  sentDeliveries(): Promise<number>;
  timeoutMs: number;
  durationSeconds: number;
}

export async function multiProcessScenario(options: MultiProcessOptions): Promise<MultiProcessResult> {
  const { sink } = options;
  sink.reset();
  const workers: Child[] = [];
  try {
    workers.push(await startWorker(options.workerEnv), await startWorker(options.workerEnv));
    const started = performance.now();
    // Light load: a few connections per app and page while the workers send.
    const loads: Promise<LoadResult>[] = options.apps.flatMap((app) =>
      options.paths.map((p) => runLoad({ url: `${app.url}${p}`, connections: 2, durationSeconds: options.durationSeconds })),
    );
    await options.announce();
    await sink.waitFor(options.subscribers, options.timeoutMs, { alive: () => workers.every((w) => w.process.exitCode === null) });
    const ms = performance.now() - started;
    const results = await Promise.all(loads);
    await new Promise((r) => setTimeout(r, 1000));
    const bad = (l: LoadResult) => l.errors + l.timeouts + Object.entries(l.statusCodes).filter(([c]) => Number(c) >= 400).reduce((n, [, v]) => n + v, 0);
    return {
      apps: options.apps.length,
      workers: workers.length,
      subscribers: options.subscribers,
      requests: results.reduce((n, l) => n + l.requests, 0),
      errors: results.reduce((n, l) => n + bad(l), 0),
      messages: sink.total(),
      duplicates: sink.duplicates(),
      deliveries: await options.sentDeliveries(),
      ms: Math.round(ms),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
