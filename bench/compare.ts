/**
 * Side-by-side CPU cost of two builds of the site (this tree and an older
 * commit's, in another folder) on copies of one database: start-up to the
 * first 200 and CPU ms per request for a few pages, alternating A B B A.
 * Usage: node --import tsx bench/compare.ts <other-root> <tsx|bundle> [seconds per page] [page names, comma-separated]
 * (`tsx`: the other tree starts with `node --import tsx src/cli/start.ts`, as before the bundled start). Prints JSON.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@/lib/db";
import { prepareDatabase } from "@/seed/prepare";
import { createLearnerSessions } from "./app";
import { generateBenchData, REALISTIC } from "./generate";
import { alternate, runLoadOn } from "./lib/load";
import { cpuTimeMs, freePort, ROOT, waitFor200 } from "./lib/processes";

const [otherRoot, otherKind, secondsArg, onlyArg] = process.argv.slice(2) as [string, "tsx" | "bundle", string?, string?];
const seconds = Number(secondsArg ?? 6);
const only = onlyArg ? new Set(onlyArg.split(",")) : undefined;
const NODE = path.join(ROOT, "node_modules/.bin/node");
const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-compare-"));
const dbFile = path.join(dir, "base.db");
const conn = await openDatabase(`file:${dbFile}`);
await prepareDatabase(conn, ROOT);
const data = await generateBenchData(conn.db, REALISTIC);
const pending = data.pendingLessons[0]!;
const cookie = (await createLearnerSessions(conn.db, [pending.userId])).get(pending.userId)!;
await conn.db.run("PRAGMA wal_checkpoint(TRUNCATE)" as never);
conn.client.close();

async function start(root: string, kind: "tsx" | "bundle", name: string) {
  const file = path.join(dir, `${name}.db`);
  await copyFile(dbFile, file);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = kind === "tsx" ? ["--import", "tsx", "src/cli/start.ts"] : ["scripts/run.mjs", "start"];
  const since = performance.now();
  const child = spawn(NODE, args, {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", SITE_URL: url, DATABASE_URL: `file:${file}`, MAIL_OUTBOX_DIR: path.join(dir, `${name}-out`), UPLOADS_DIR: path.join(dir, `${name}-up`), LOG_LEVEL: "warn", WORKER: "off", PAGE_CACHE_MS: "0" },
    stdio: "ignore",
  });
  const healthz = await waitFor200(`${url}/healthz`, since);
  const cpuAtFirst200 = cpuTimeMs(child.pid!);
  return { url, pid: child.pid!, child, healthz, cpuAtFirst200 };
}

const results: Record<string, unknown>[] = [];
for (let round = 0; round < 3; round++) {
  const a = await start(ROOT, "bundle", `new${round}`);
  const b = await start(otherRoot, otherKind, `old${round}`);
  results.push({ round, newFirst200Ms: Math.round(a.healthz), newCpuMs: a.cpuAtFirst200, oldFirst200Ms: Math.round(b.healthz), oldCpuMs: b.cpuAtFirst200 });
  if (round < 2) {
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    continue;
  }
  const pages = [
    { name: "healthz", path: "/healthz" },
    { name: "favicon.svg", path: "/favicon.svg" },
    { name: "home (senza micro-cache)", path: "/" },
    { name: "catalogo (senza micro-cache)", path: "/convenzioni?q=pulizia&categoria=pulizia-uffici" },
    { name: "comunicato", path: `/sala-stampa/${data.pressSlugs[500]}` },
    { name: "lezione (con accesso)", path: `/formazione/${pending.courseSlug}/${pending.lessonSlug}`, cookie },
    { name: "404", path: "/pagina-che-non-esiste" },
  ];
  for (const page of pages.filter((p) => !only || only.has(p.name))) {
    const run = (target: { url: string; pid: number }) => (durationSeconds: number) =>
      runLoadOn(target.pid, { url: `${target.url}${page.path}`, headers: page.cookie ? { cookie: page.cookie } : {}, connections: 10, durationSeconds });
    const m = await alternate(run(a), run(b), seconds);
    results.push({ page: page.name, newCpuMsPerRequest: m.site.cpuMsPerRequest, oldCpuMsPerRequest: m.baseline.cpuMsPerRequest, newRps: m.site.requestsPerSecond, oldRps: m.baseline.requestsPerSecond, codes: [m.site.statusCodes, m.baseline.statusCodes] });
  }
  a.child.kill("SIGTERM");
  b.child.kill("SIGTERM");
}
process.stdout.write(`${JSON.stringify(results, null, 1)}\n`);
process.exit(0);
