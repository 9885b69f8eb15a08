/**
 * Child processes for the benchmark: the real app (scripts/run.mjs start,
 * the bundled src/cli/start.ts, with plain node as `npm start` runs it), the
 * alert worker, and small helper scripts (Node 24 with tsx's loader), each
 * one process, so its pid is the one whose memory we read.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { freePort } from "../../tests/helpers/ports";

export { freePort };

export const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE = path.join(ROOT, "node_modules/.bin/node");

export interface Child {
  pid: number;
  process: ChildProcess;
  output(): string;
  /** Peak resident memory so far in bytes (VmHWM), or 0 once the process has exited. */
  peakRss(): number;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Runs a TypeScript entry of this project with Node 24 and the tsx loader. */
export function runTs(entry: string, env: Record<string, string>, args: string[] = []): Child {
  return runNode(["--import", "tsx", entry, ...args], env);
}

/** Runs Node 24 with these arguments in the project root. */
export function runNode(nodeArgs: string[], env: Record<string, string>): Child {
  const child = spawn(NODE, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Only the tail is kept: a chatty child must not grow the benchmark's own memory.
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => process.off("exit", kill));
  return {
    pid: child.pid!,
    process: child,
    output: () => output,
    peakRss: () => peakRss(child.pid!),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Linux's high-water mark of a process's resident set, in bytes. */
export function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds; Linux clock ticks are 10 ms. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Polls a URL until it answers 200; returns the elapsed milliseconds since `since`. */
export async function waitFor200(url: string, since: number, child?: Child, timeoutMs = 120_000): Promise<number> {
  for (;;) {
    if (child && child.process.exitCode !== null) throw new Error(`process exited with code ${child.process.exitCode}:\n${child.output()}`);
    try {
      const response = await fetch(url, { redirect: "manual" });
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() - since > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s${child ? `:\n${child.output()}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface App extends Child {
  url: string;
  /** Milliseconds from spawn to the first 200 on /healthz, then on /. */
  startup: { healthz: number; home: number };
}

/** Starts the real server (the code `npm start` runs) on a free loopback port. */
export async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const since = performance.now();
  const child = runNode(["scripts/run.mjs", "start"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    SITE_URL: url,
    LOG_LEVEL: "warn",
    WORKER: "off",
    ...env,
  });
  const healthz = await waitFor200(`${url}/healthz`, since, child);
  const home = await waitFor200(`${url}/`, since, child);
  return { ...child, url, startup: { healthz, home } };
}
