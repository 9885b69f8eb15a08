/**
 * Progress writes: signed-in learners mark lessons complete concurrently
 * through the real form endpoint (plain form posts, session cookie, Origin),
 * then every write the site confirmed is looked up in the database.
 */
import autocannon from "autocannon";
import { recordResponse, round, runLoadOn, startBaseline, type LoadResult } from "../lib/load";
import { cpuTimeMs } from "../lib/processes";

export interface ProgressWrite {
  userId: string;
  courseSlug: string;
  lessonSlug: string;
}

export interface ProgressRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ProgressResult {
  site: LoadResult;
  baseline: LoadResult;
  ratio: number;
  /** Writes the site confirmed (2xx/3xx). */
  confirmed: number;
  /** Confirmed writes missing from the database afterwards. */
  lost: number;
  rowsBefore: number;
  rowsAfter: number;
}

export interface ProgressOptions {
  siteUrl: string;
  sitePid: number;
  writes: ProgressWrite[];
  request(write: ProgressWrite): ProgressRequest;
  countRows(): Promise<number>;
  /** The confirmed writes that are not in the database. */
  missing(writes: ProgressWrite[]): Promise<number>;
  load: { connections: number; durationSeconds: number };
}

export async function progressScenario(options: ProgressOptions): Promise<ProgressResult> {
  const { writes, request } = options;
  if (writes.length < 2) throw new Error("not enough lessons left to complete for the progress scenario");
  const rowsBefore = await options.countRows();
  const first = request(writes[0]!);
  const recorded = await recordResponse(`${options.siteUrl}${first.path}`, { method: "POST", headers: first.headers, body: first.body });
  if (recorded.status >= 400) throw new Error(`the progress form answered ${recorded.status}`);
  const confirmed: ProgressWrite[] = [writes[0]!];
  let cursor = 1;

  type Context = { write?: ProgressWrite };
  const cpuBefore = cpuTimeMs(options.sitePid);
  const instance = autocannon({
    url: options.siteUrl,
    connections: options.load.connections,
    duration: options.load.durationSeconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        setupRequest(req, context: Context) {
          // Past the end of the list the writes repeat; they are idempotent.
          const write = writes[cursor++ % writes.length]!;
          context.write = write;
          const r = request(write);
          return { ...req, method: "POST", path: r.path, headers: r.headers, body: r.body };
        },
        onResponse(status, _body, context: Context) {
          if (status < 400 && context.write) confirmed.push(context.write);
        },
      },
    ],
  });
  const raw = await instance;
  const statusCodes: Record<string, number> = {};
  for (const [code, value] of Object.entries(raw.statusCodeStats ?? {})) statusCodes[code] = (value as { count: number }).count;
  const site: LoadResult = {
    requestsPerSecond: round(raw.requests.average),
    p50: raw.latency.p50,
    p99: raw.latency.p99,
    requests: raw.requests.total,
    errors: raw.errors,
    timeouts: raw.timeouts,
    non2xx: raw.non2xx,
    statusCodes,
    cpuMsPerRequest: round((cpuTimeMs(options.sitePid) - cpuBefore) / Math.max(1, raw.requests.total), 2),
  };
  const rowsAfter = await options.countRows();
  const lost = await options.missing(confirmed);

  let next = 0;
  const baselineServer = await startBaseline(recorded);
  let baseline: LoadResult;
  try {
    baseline = await runLoadOn(baselineServer.pid, {
      url: baselineServer.url,
      ...options.load,
      method: "POST",
      next: () => request(writes[next++ % writes.length]!),
    });
  } finally {
    await baselineServer.stop();
  }
  return { site, baseline, ratio: round(site.requestsPerSecond / baseline.requestsPerSecond, 2), confirmed: confirmed.length, lost, rowsBefore, rowsAfter };
}
