/** The `federation` job of src/jobs.ts: every FEDERATION_POLL_MS, one poll of each peer in FEDERATION_PEERS, one after the other. */
import { config } from "@/config";
import type { BackgroundJob } from "@/lib/job";
import { pollPeer, type PollResult } from "./sync";

/** One poll of every configured peer (what a pass of the job does). */
export async function pollPeers(signal?: AbortSignal): Promise<PollResult[]> {
  const c = config();
  const results: PollResult[] = [];
  for (const peer of c.FEDERATION_PEERS) {
    if (signal?.aborted) break;
    results.push(await pollPeer(peer, { maxBytes: c.FEDERATION_MAX_BYTES, timeoutMs: c.FEDERATION_TIMEOUT_MS, schemasDir: c.OCDS_SCHEMAS_DIR }));
  }
  return results;
}

export function federationJob(): BackgroundJob {
  return {
    name: "federation",
    intervalMs: config().FEDERATION_POLL_MS,
    async run(signal) {
      await pollPeers(signal);
    },
  };
}
