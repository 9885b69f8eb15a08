/**
 * Load generation with autocannon, and the bare baseline server that replays
 * a recorded response, so every scenario is measured as a ratio.
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { cpuTimeMs, runTs, type Child } from "./processes";

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Server CPU milliseconds per request (user + system), when the server's pid is known: unlike req/s, it hardly moves when neighbours load the machine. */
  cpuMsPerRequest?: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Called for every request: return its path, headers and body (e.g. one learner per request). */
  next?: () => { path: string; headers: Record<string, string>; body?: string };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const next = options.next;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
    timeout: 10,
    requests: next
      ? [
          {
            setupRequest(request) {
              const item = next();
              return { ...request, path: item.path, headers: { ...request.headers, ...item.headers }, body: item.body };
            },
          },
        ]
      : undefined,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, value] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (value as { count: number }).count;
  return {
    requestsPerSecond: round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
  };
}

export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  /** Base64. */
  body: string;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "date"]);

/** Fetches one response from the site and keeps what the baseline must replay. */
export async function recordResponse(url: string, init: RequestInit = {}): Promise<RecordedResponse & { bytes: number }> {
  const response = await fetch(url, { ...init, redirect: "manual" });
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies.join(", ");
  return { status: response.status, headers, body: body.toString("base64"), bytes: body.length };
}

export interface Baseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/baseline-server.ts in its own process replaying `recorded`. */
export async function startBaseline(recorded: RecordedResponse): Promise<Baseline> {
  const file = path.join(os.tmpdir(), `aggrega-baseline-${process.pid}-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(recorded));
  const child: Child = runTs("bench/baseline-server.ts", {}, [file]);
  const deadline = Date.now() + 20_000;
  let port: number | undefined;
  while (!port) {
    const match = /PORT (\d+)/.exec(child.output());
    if (match) port = Number(match[1]);
    else if (child.process.exitCode !== null || Date.now() > deadline) throw new Error(`baseline server did not start:\n${child.output()}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.stop() };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Combines rounds of one measurement: summed counts, mean req/s and p50, worst p99. */
export function mergeLoads(rounds: LoadResult[]): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((n, r) => n + pick(r), 0);
  return {
    requestsPerSecond: round(sum((r) => r.requestsPerSecond) / rounds.length),
    p50: round(sum((r) => r.p50) / rounds.length),
    p99: Math.max(...rounds.map((r) => r.p99)),
    requests: sum((r) => r.requests),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    statusCodes,
    cpuMsPerRequest: rounds.every((r) => r.cpuMsPerRequest !== undefined)
      ? round(sum((r) => r.cpuMsPerRequest! * r.requests) / Math.max(1, sum((r) => r.requests)), 2)
      : undefined,
  };
}

/** Runs a load and adds the server's CPU time per request. */
export async function runLoadOn(pid: number, options: LoadOptions): Promise<LoadResult> {
  const before = cpuTimeMs(pid);
  const result = await runLoad(options);
  return { ...result, cpuMsPerRequest: round((cpuTimeMs(pid) - before) / Math.max(1, result.requests), 2) };
}

/**
 * Measures the site and its baseline in the order A B B A, each for half the
 * duration, so a neighbour's burst on a shared machine weighs on both alike.
 */
export async function alternate(site: (seconds: number) => Promise<LoadResult>, baseline: (seconds: number) => Promise<LoadResult>, durationSeconds: number) {
  const half = Math.max(1, Math.round(durationSeconds / 2));
  const s1 = await site(half);
  const b1 = await baseline(half);
  const b2 = await baseline(half);
  const s2 = await site(half);
  return { site: mergeLoads([s1, s2]), baseline: mergeLoads([b1, b2]) };
}
