import type { BackgroundJob } from "@/lib/job";
import { getDb } from "@/lib/db";
import { pruneRateLimits } from "./rate-limit";
import { deleteExpiredSessions } from "./session";
import { pruneTokens } from "./tokens";
import { pruneSignIns } from "./oidc/flow";

/** Expires sessions, spent tokens, SPID/CIE sign-ins past their lifetime and old rate-limit windows on a schedule. */
export const accountsCleanupJob: BackgroundJob = {
  name: "accounts-cleanup",
  intervalMs: 15 * 60_000,
  async run() {
    await deleteExpiredSessions();
    await pruneTokens(await getDb());
    await pruneRateLimits();
    await pruneSignIns();
  },
};
