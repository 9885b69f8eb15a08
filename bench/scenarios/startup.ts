/**
 * Start and build: `astro build` wall time, and `npm start` on a built tree
 * until the first 200 on /healthz and on the home page.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { needsBuild } from "@/cli/build-state";
import { freePort, ROOT, waitFor200 } from "../lib/processes";
import { round } from "../lib/load";

export interface BuildResult {
  ms: number;
  /** "dist" when the shared build was stale and rebuilt, "scratch" when a fresh one was timed in a temp folder. */
  target: "dist" | "scratch";
}

function astroBuild(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/astro"), ["build", ...args], {
      cwd: ROOT,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    child.stderr!.on("data", (chunk) => (errors += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`astro build exited with ${code}:\n${errors}`))));
  });
}

/** Rebuilds dist/ when its sources changed (timing that build); otherwise times a build into a scratch folder. */
export async function buildScenario(): Promise<BuildResult> {
  if (needsBuild(ROOT)) {
    const started = performance.now();
    await astroBuild([]);
    return { ms: round(performance.now() - started, 0), target: "dist" };
  }
  const outDir = await mkdtemp(path.join(os.tmpdir(), "aggrega-bench-build-"));
  try {
    const started = performance.now();
    await astroBuild(["--outDir", outDir]);
    return { ms: round(performance.now() - started, 0), target: "scratch" };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

export interface StartResult {
  database: string;
  healthzMs: number;
  homeMs: number;
}

/** Runs `npm start` itself (npm, tsx, migrations check, seeding when empty) and polls for the first 200. */
export async function startScenario(database: string, databaseUrl: string, dir: string): Promise<StartResult> {
  // "On a built tree": if the sources moved since the last build, rebuild first, untimed.
  if (needsBuild(ROOT)) await astroBuild([]);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      SITE_URL: url,
      DATABASE_URL: databaseUrl,
      MAIL_OUTBOX_DIR: path.join(dir, "outbox"),
      UPLOADS_DIR: path.join(dir, "uploads"),
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
    detached: true,
  });
  const kill = () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL");
  };
  process.once("exit", kill);
  try {
    const healthzMs = await waitFor200(`${url}/healthz`, started);
    const homeMs = await waitFor200(`${url}/`, started);
    return { database, healthzMs: round(healthzMs, 0), homeMs: round(homeMs, 0) };
  } finally {
    process.off("exit", kill);
    // npm, tsx and node form a process group: stop all of it.
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
  }
}
