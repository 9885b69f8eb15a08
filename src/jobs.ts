/**
 * Background jobs that run beside the web server in `npm start`, or alone in
 * `npm run worker`. Each domain registers its periodic job here.
 */
import { log, errorMessage } from "@/lib/log";
import { alertsJob } from "@/alerts";
import { accountsCleanupJob } from "@/accounts";
import { pressPublishJob } from "@/press";
import { outboundMailJob } from "@/outbox";
import { catalogImportJob } from "@/interop/import";
import { federationJob } from "@/interop/federation";
import { assignmentRemindersJob } from "@/learning";
import type { BackgroundJob } from "@/lib/job";

export const JOBS: BackgroundJob[] = [outboundMailJob(), alertsJob(), accountsCleanupJob, pressPublishJob, assignmentRemindersJob(), catalogImportJob(), federationJob()];

export interface RunningJobs {
  stop(): Promise<void>;
}

/** Runs every job on its interval, never two passes of one job at once. */
export function startBackgroundJobs(jobs: BackgroundJob[] = JOBS): RunningJobs {
  const controller = new AbortController();
  const loops = jobs.map(async (job) => {
    log("info", "job.started", { job: job.name, intervalMs: job.intervalMs });
    let passes = 0;
    // A wake-up during a pass starts the next one at once; during the pause it ends the pause.
    let woken = false;
    let endPause: (() => void) | undefined;
    const unsubscribe = job.onWake?.(() => {
      woken = true;
      endPause?.();
    });
    while (!controller.signal.aborted) {
      woken = false;
      const started = performance.now();
      passes += 1;
      try {
        await job.run(controller.signal);
        log("debug", "job.pass", { job: job.name, pass: passes, ms: Math.round(performance.now() - started) });
      } catch (error) {
        log("error", "job.failed", { job: job.name, pass: passes, ms: Math.round(performance.now() - started), error: errorMessage(error) });
      }
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          controller.signal.removeEventListener("abort", done);
          endPause = undefined;
          resolve();
        };
        const timer = setTimeout(done, job.intervalMs);
        endPause = done;
        controller.signal.addEventListener("abort", done, { once: true });
      });
    }
    unsubscribe?.();
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
