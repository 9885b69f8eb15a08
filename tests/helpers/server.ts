/**
 * Starts the real built site through `npm start`'s entry (scripts/run.mjs, the bundled src/cli/start.ts)
 * on a free port, with its own database and outbox, and stops it afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { ROOT } from "./db";
import { freePort } from "./ports";

export interface RunningSite {
  baseUrl: string;
  dir: string;
  databaseUrl: string;
  outboxDir: string;
  /** The server process (to read its memory from /proc). */
  pid: number;
  output(): string;
  /** Parsed .eml files in the outbox, oldest first. */
  outbox(): Promise<ParsedMail[]>;
  stop(): Promise<void>;
}

export async function startSite(env: Record<string, string> = {}): Promise<RunningSite> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-site-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const databaseUrl = `file:${path.join(dir, "site.db")}`;
  const outboxDir = path.join(dir, "outbox");
  let output = "";
  // What `npm start` runs, minus npm: plain node and the bundled start in dist/cli (built by the global setup).
  const child: ChildProcess = spawn(process.execPath, ["scripts/run.mjs", "start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      SITE_URL: baseUrl,
      DATABASE_URL: databaseUrl,
      MAIL_OUTBOX_DIR: outboxDir,
      UPLOADS_DIR: path.join(dir, "uploads"),
      LOG_LEVEL: "warn",
      // Tests write behind the site's back (domain calls) and read at once; the micro-cache has its own tests.
      PAGE_CACHE_MS: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const stopChild = () => child.kill("SIGKILL");
  process.once("exit", stopChild);

  // A loop, not vi.waitFor: it gives up at once if the process exits instead of waiting out the timeout.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the site exited with code ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the site did not answer within 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    baseUrl,
    dir,
    databaseUrl,
    outboxDir,
    pid: child.pid!,
    output: () => output,
    async outbox() {
      let names: string[];
      try {
        names = (await readdir(outboxDir)).filter((n) => n.endsWith(".eml")).sort();
      } catch {
        return [];
      }
      return Promise.all(names.map(async (n) => simpleParser(await readFile(path.join(outboxDir, n)))));
    },
    async stop() {
      process.off("exit", stopChild);
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
