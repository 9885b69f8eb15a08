import { spawn } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import path from "node:path";
import { freePort, ROOT, waitFor200 } from "./bench/lib/processes";
const NODE = path.join(ROOT, "node_modules/.bin/node");
async function profile(root: string, args: string[], name: string) {
  const dir = `/tmp/ps-prof-${name}`; rmSync(dir, { recursive: true, force: true }); mkdirSync(dir);
  const file = `/tmp/ps-lat-${name}.db`; copyFileSync("/tmp/ps-measure-db/a.db", file);
  const port = await freePort(); const url = `http://127.0.0.1:${port}`;
  const child = spawn(NODE, ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...args], { cwd: root, env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", SITE_URL: url, DATABASE_URL: `file:${file}`, MAIL_OUTBOX_DIR: `/tmp/ps-lat-${name}-o`, UPLOADS_DIR: `/tmp/ps-lat-${name}-u`, LOG_LEVEL: "warn", WORKER: "off", PAGE_CACHE_MS: "0" }, stdio: "ignore" });
  await waitFor200(`${url}/healthz`, performance.now());
  for (let i = 0; i < 300; i++) await (await fetch(`${url}/healthz`)).arrayBuffer();
  const mark = Date.now();
  const N = 3000;
  for (let i = 0; i < N; i++) await (await fetch(`${url}/healthz`)).arrayBuffer();
  child.kill("SIGTERM"); await new Promise((r) => child.once("exit", r));
  const prof = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]!), "utf8"));
  // Samples after the warm-up mark only.
  const byId = new Map(prof.nodes.map((n: any) => [n.id, n]));
  let t = prof.startTime; const self = new Map<string, number>(); let total = 0; let idle = 0;
  const startUs = (mark - (Date.now() - (prof.endTime - prof.startTime) / 1000)) * 1000; // approximate
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i];
    const n: any = byId.get(prof.samples[i]);
    const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    if (t - prof.startTime < (prof.endTime - prof.startTime) * 0.5) continue; // second half only: steady state
    const key = n.callFrame.functionName === "(idle)" ? "(idle)" : `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.replace(/.*\/(node_modules|dist|src)\//, "$1/")}:${n.callFrame.lineNumber}`;
    if (key === "(idle)") idle += dt; else total += dt;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  console.log(`== ${name}: busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms in the second half (~${N / 2} requests) → ${(total / (N / 2)).toFixed(3)} ms/req`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14)) console.log(v.toFixed(0).padStart(6), k);
}
await profile(ROOT, ["scripts/run.mjs", "start"], "new");
await profile("/tmp/ps-before", ["--import", "tsx", "src/cli/start.ts"], "old");
process.exit(0);
