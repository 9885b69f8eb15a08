/**
 * Start and build: `npm run build` wall time when dist/ was stale, `npm
 * start` on a built tree until the first 200 on /healthz and on the home
 * page, and the first `npm start` on a fresh clone (the committed and
 * working files copied to a temporary folder, node_modules linked, no
 * dist/, no database: build, migrations, seed, first 200).
 */
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { needsBuild } from "@/cli/build-state";
import { freePort, ROOT, waitFor200 } from "../lib/processes";
import { round } from "../lib/load";

export interface BuildResult {
  ms: number;
  /** "dist": the shared build was stale and rebuilt here (the site, then the bundled start). */
  target: "dist";
}

function npmBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "build", "--silent"], {
      cwd: ROOT,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let errors = "";
    child.stderr!.on("data", (chunk) => (errors += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}:\n${errors.slice(-2000)}`))));
  });
}

/** Rebuilds dist/ when its sources changed, timing that build; undefined when it was fresh (the fresh clone times a full one). */
export async function buildScenario(): Promise<BuildResult | undefined> {
  if (!needsBuild(ROOT)) return undefined;
  const started = performance.now();
  await npmBuild();
  return { ms: round(performance.now() - started, 0), target: "dist" };
}

export interface StartResult {
  database: string;
  healthzMs: number;
  homeMs: number;
}

/** Runs `npm start` itself in `cwd` and polls for the first 200 on /healthz, then on the home page. */
async function timeNpmStart(cwd: string, database: string, databaseUrl: string, dir: string, timeoutMs: number): Promise<StartResult> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn("npm", ["start", "--silent"], {
    cwd,
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
    const healthzMs = await waitFor200(`${url}/healthz`, started, undefined, timeoutMs);
    const homeMs = await waitFor200(`${url}/`, started, undefined, timeoutMs);
    return { database, healthzMs: round(healthzMs, 0), homeMs: round(homeMs, 0) };
  } finally {
    process.off("exit", kill);
    // npm and node form a process group: stop all of it.
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
  }
}

/** `npm start` on the built tree (rebuilt first, untimed, if the sources moved). */
export async function startScenario(database: string, databaseUrl: string, dir: string): Promise<StartResult> {
  if (needsBuild(ROOT)) await npmBuild();
  return timeNpmStart(ROOT, database, databaseUrl, dir, 120_000);
}

/** The first `npm start` of a fresh clone: the project's files (tracked and new, not ignored) in an empty folder. */
export async function freshCloneScenario(): Promise<StartResult> {
  const clone = await mkdtemp(path.join(os.tmpdir(), "aggrega-bench-clone-"));
  try {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter(Boolean);
    for (const file of files) {
      await mkdir(path.dirname(path.join(clone, file)), { recursive: true });
      await cp(path.join(ROOT, file), path.join(clone, file)).catch(() => {});
    }
    // `npm install` is not timed (the registry is not part of the start-up): the installed packages are linked.
    await symlink(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");
    const result = await timeNpmStart(clone, "clone nuovo, database vuoto", `file:${path.join(clone, "data/aggrega.db")}`, clone, 300_000);
    return result;
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
}
