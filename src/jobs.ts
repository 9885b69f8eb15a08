/**
 * Background jobs that run beside the web server in `npm start`, or alone in
 * `npm run worker`. Each domain registers its periodic job here.
 */
import { log, errorMessage } from "@/lib/log";
import { accessibilityMailJob } from "@/accessibility/job";
import { alertsJob } from "@/alerts/job";
import { accountsCleanupJob } from "@/accounts/cleanup";
import { pressPublishJob } from "@/press/job";

export interface BackgroundJob {
  name: string;
  /** Milliseconds between runs. */
  intervalMs: number;
  /** One pass; returns quickly when there is nothing to do. */
  run(signal: AbortSignal): Promise<void>;
  /** Releases resources such as pooled connections. */
  close?(): Promise<void>;
}

export const JOBS: BackgroundJob[] = [accessibilityMailJob, alertsJob(), accountsCleanupJob, pressPublishJob];

export interface RunningJobs {
  stop(): Promise<void>;
}

/** Runs every job on its interval, never two passes of one job at once. */
export function startBackgroundJobs(jobs: BackgroundJob[] = JOBS): RunningJobs {
  const controller = new AbortController();
  const loops = jobs.map(async (job) => {
    log("info", "job.started", { job: job.name, intervalMs: job.intervalMs });
    let passes = 0;
    while (!controller.signal.aborted) {
      const started = performance.now();
      passes += 1;
      try {
        await job.run(controller.signal);
        log("debug", "job.pass", { job: job.name, pass: passes, ms: Math.round(performance.now() - started) });
      } catch (error) {
        log("error", "job.failed", { job: job.name, pass: passes, ms: Math.round(performance.now() - started), error: errorMessage(error) });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, job.intervalMs);
        controller.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
    await job.close?.();
    log("info", "job.stopped", { job: job.name, passes });
  });
  return {
    async stop() {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
