/**
 * Cost as the data grows: the same page types on the realistic database and
 * on one with 10× the data, each served by its own app with the micro-cache
 * off (every request renders), alternating A B B A under the same light
 * load. The figure is the server's CPU milliseconds per request.
 */
import { alternate, round, runLoadOn } from "../lib/load";
import type { App } from "../lib/processes";
import type { PageTarget } from "./pages";

export interface ScaleRow {
  name: string;
  /** CPU ms per request at the realistic size and at 10×. */
  cpuMs: number;
  cpuMs10x: number;
  /** cpuMs10x ÷ cpuMs − 1. */
  growth: number;
  p99: number;
  p99At10x: number;
}

export async function scaleScenario(
  small: { app: App; pages: PageTarget[] },
  large: { app: App; pages: PageTarget[] },
  load: { connections: number; durationSeconds: number },
): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const page of small.pages) {
    const big = large.pages.find((p) => p.name === page.name);
    if (!big) continue;
    const run = (app: App, target: PageTarget) => (durationSeconds: number) =>
      runLoadOn(app.pid, {
        url: `${app.url}${target.path}`,
        headers: target.cookie ? { cookie: target.cookie } : {},
        connections: load.connections,
        durationSeconds,
      });
    for (const [app, target] of [[small.app, page], [large.app, big]] as const) {
      const response = await fetch(`${app.url}${target.path}`, { headers: target.cookie ? { cookie: target.cookie } : {} });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${target.name} (${target.path}) answered ${response.status}, not 200`);
    }
    const measured = await alternate(run(small.app, page), run(large.app, big), load.durationSeconds);
    const cpuMs = measured.site.cpuMsPerRequest ?? 0;
    const cpuMs10x = measured.baseline.cpuMsPerRequest ?? 0;
    rows.push({
      name: page.name,
      cpuMs,
      cpuMs10x,
      growth: round(cpuMs > 0 ? cpuMs10x / cpuMs - 1 : 0, 2),
      p99: measured.site.p99,
      p99At10x: measured.baseline.p99,
    });
  }
  return rows;
}
