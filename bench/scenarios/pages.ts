/**
 * Page throughput: each page under autocannon against the real site, then
 * against a bare node:http server replaying the identical response.
 */
import { alternate, recordResponse, round, runLoadOn, startBaseline, type LoadResult } from "../lib/load";

export interface PageTarget {
  name: string;
  path: string;
  /** Cookie header for pages that need a signed-in learner. */
  cookie?: string;
}

export interface PageResult {
  name: string;
  path: string;
  status: number;
  bytes: number;
  site: LoadResult;
  baseline: LoadResult;
  /** Site req/s divided by baseline req/s. */
  ratio: number;
}

export async function pagesScenario(site: { url: string; pid: number }, pages: PageTarget[], load: { connections: number; durationSeconds: number }): Promise<PageResult[]> {
  const results: PageResult[] = [];
  for (const page of pages) {
    const headers: Record<string, string> = page.cookie ? { cookie: page.cookie } : {};
    const recorded = await recordResponse(`${site.url}${page.path}`, { headers });
    if (recorded.status !== 200) throw new Error(`${page.name} (${page.path}) answered ${recorded.status}, not 200`);
    const baselineServer = await startBaseline(recorded);
    let measured: { site: LoadResult; baseline: LoadResult };
    try {
      measured = await alternate(
        (durationSeconds) => runLoadOn(site.pid, { url: `${site.url}${page.path}`, headers, connections: load.connections, durationSeconds }),
        (durationSeconds) => runLoadOn(baselineServer.pid, { url: `${baselineServer.url}${page.path}`, headers, connections: load.connections, durationSeconds }),
        load.durationSeconds,
      );
    } finally {
      await baselineServer.stop();
    }
    results.push({
      name: page.name,
      path: page.path,
      status: recorded.status,
      bytes: recorded.bytes,
      site: measured.site,
      baseline: measured.baseline,
      ratio: round(measured.site.requestsPerSecond / measured.baseline.requestsPerSecond, 2),
    });
  }
  return results;
}
