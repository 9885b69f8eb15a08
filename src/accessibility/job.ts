import type { BackgroundJob } from "@/lib/job";
import { log } from "@/lib/log";
import { retryAccessibilityMail } from "./reports";

/** Retries accessibility notices and receipts that could not be sent when the report arrived. */
export const accessibilityMailJob: BackgroundJob = {
  name: "accessibility-mail",
  intervalMs: 60_000,
  async run() {
    const started = performance.now();
    const tried = await retryAccessibilityMail();
    if (tried > 0) log("info", "job.pass", { job: "accessibility-mail", tried, ms: Math.round(performance.now() - started) });
  },
};
