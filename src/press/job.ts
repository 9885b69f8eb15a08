import type { BackgroundJob } from "@/lib/job";
import { log } from "@/lib/log";
import { publishDue } from "./write";
import { pruneUnlinkedUploads } from "./uploads";

/** Publishes scheduled press items when their time comes, and clears abandoned uploads. */
export const pressPublishJob: BackgroundJob = {
  name: "press-publish",
  intervalMs: 30_000,
  async run() {
    const published = await publishDue();
    if (published) log("info", "press.scheduled_published", { count: published });
    await pruneUnlinkedUploads();
  },
};
