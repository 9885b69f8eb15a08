/**
 * Sends queued transactional mail as a background job (`npm start` unless
 * WORKER=off, and `npm run worker`): it retries what failed and is woken at
 * once when this process queues a message.
 */
import { config } from "@/config";
import type { BackgroundJob } from "@/lib/job";
import { log } from "@/lib/log";
import { onMailQueued, sendQueuedMail } from "./mail";

export function outboundMailJob(): BackgroundJob {
  return {
    name: "mail",
    get intervalMs() {
      return config().ALERTS_POLL_MS;
    },
    async run() {
      const pass = await sendQueuedMail();
      if (pass.sent > 0 || pass.failed > 0 || pass.retrying > 0) log("info", "mail.pass", { ...pass });
    },
    onWake: onMailQueued,
  };
}
