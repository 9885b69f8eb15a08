/** The benchmark's verdict: targets checked against the figures, and the JSON and Markdown files. */
import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { LoadResult } from "./lib/load";
import type { PageResult } from "./scenarios/pages";
import type { ProgressResult } from "./scenarios/progress";
import type { FanoutResult } from "./scenarios/fanout";
import type { BuildResult, StartResult } from "./scenarios/startup";
import type { WeightResult } from "./scenarios/weight";
import type { MultiProcessResult } from "./scenarios/multiprocess";
import type { ReplicaResult } from "./scenarios/replica";
import type { ScaleRow } from "./scenarios/scale";

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string };
  options: { full: boolean; connections: number; durationSeconds: number };
  sizes: Record<string, number>;
  setup: { generateMs: number };
  build?: BuildResult;
  start: StartResult[];
  pages: PageResult[];
  progress?: ProgressResult;
  fanout: FanoutResult[];
  weight: WeightResult[];
  multiProcess?: MultiProcessResult;
  /** Each page's CPU ms per request at the realistic size and at 10×. */
  scale: ScaleRow[];
  replica?: ReplicaResult;
  /** Scenarios that could not run, with the reason. */
  skipped: { scenario: string; reason: string }[];
  targets: Target[];
  totalSeconds: number;
}

export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Checks every stated target that has a figure. */
export function evaluateTargets(r: Omit<BenchResults, "targets" | "totalSeconds">): Target[] {
  const targets: Target[] = [];
  const catalog = r.pages.find((p) => p.name === "catalogo");
  if (catalog) {
    targets.push({ name: "Catalogo: throughput", target: "≥ 0.5× baseline", value: `${catalog.ratio}×`, met: catalog.ratio >= 0.5 });
    targets.push({ name: "Catalogo: p99 a 50 connessioni", target: "< 50 ms", value: `${catalog.site.p99} ms`, met: catalog.site.p99 < 50 });
  }
  const uncached = r.pages.find((p) => p.name === "catalogo senza micro-cache");
  if (uncached?.site.cpuMsPerRequest !== undefined) {
    const ms = uncached.site.cpuMsPerRequest;
    targets.push({ name: "Catalogo senza micro-cache: CPU", target: "≤ 3 ms/req", value: `${ms} ms`, met: ms <= 3 });
  }
  const lesson = r.pages.find((p) => p.name === "lezione");
  if (lesson?.site.cpuMsPerRequest !== undefined) {
    const ms = lesson.site.cpuMsPerRequest;
    targets.push({ name: "Lezione (con accesso): CPU e throughput", target: "≤ 2 ms/req e ≥ 0.05×", value: `${ms} ms, ${lesson.ratio}×`, met: ms <= 2 && lesson.ratio >= 0.05 });
  }
  if (r.progress) {
    const p = r.progress;
    targets.push({ name: "Progressi: throughput", target: "≥ 0.3× baseline", value: `${p.ratio}×`, met: p.ratio >= 0.3 });
    targets.push({ name: "Progressi: p99 a 50 connessioni", target: "< 100 ms", value: `${p.site.p99} ms`, met: p.site.p99 < 100 });
    targets.push({
      name: "Progressi: errori e scritture perse",
      target: "0 e 0",
      value: `${p.site.errors + p.site.timeouts + (p.site.statusCodes["500"] ?? 0)} e ${p.lost}`,
      met: p.site.errors === 0 && p.site.timeouts === 0 && p.lost === 0 && !Object.keys(p.site.statusCodes).some((c) => Number(c) >= 400),
    });
  }
  const small = r.fanout.find((f) => f.subscribers <= 10_000);
  if (small) targets.push({ name: "Avvisi: messaggi/s", target: "≥ 0.9× nodemailer", value: `${small.ratio}×`, met: small.ratio >= 0.9 });
  const large = r.fanout.find((f) => f.subscribers >= 100_000);
  if (small && large) {
    const growth = large.worker.peakRssMB / small.worker.peakRssMB - 1;
    targets.push({
      name: "Avvisi: memoria 10k → 100k",
      target: "entro +20%",
      value: `${small.worker.peakRssMB} → ${large.worker.peakRssMB} MB (${growth >= 0 ? "+" : ""}${(growth * 100).toFixed(0)}%)`,
      met: Math.abs(growth) <= 0.2,
    });
  }
  for (const f of r.fanout) {
    targets.push({ name: `Avvisi ${f.subscribers}: duplicati`, target: "0", value: String(f.worker.duplicates), met: f.worker.duplicates === 0 && f.worker.messages === f.subscribers });
  }
  for (const w of r.weight) {
    const needsJs = w.name === "lezione";
    targets.push({
      name: `Peso ${w.name}: JS`,
      target: needsJs ? "≤ 10 KB" : "0",
      value: kb(w.js),
      met: needsJs ? w.js <= 10 * 1024 : w.js === 0,
    });
  }
  const css = Math.max(0, ...r.weight.map((w) => w.css));
  if (r.weight.length > 0) targets.push({ name: "CSS (gzip)", target: "≤ 50 KB", value: kb(css), met: css <= 50 * 1024 });
  for (const s of r.start) {
    // A fresh clone builds first; a built tree only starts.
    const limit = s.database.startsWith("clone") ? 15_000 : 1_000;
    targets.push({
      name: `Avvio (${s.database}): primo 200`,
      target: `≤ ${limit / 1000} s`,
      value: `${(s.healthzMs / 1000).toFixed(2)} s (home ${(s.homeMs / 1000).toFixed(2)} s)`,
      met: s.healthzMs <= limit,
    });
  }
  for (const row of r.scale) {
    targets.push({
      name: `Costo a 10× i dati: ${row.name}`,
      target: "≤ +20% CPU",
      value: `${row.cpuMs} → ${row.cpuMs10x} ms (${row.growth >= 0 ? "+" : ""}${Math.round(row.growth * 100)}%)`,
      met: row.growth <= 0.2,
    });
  }
  if (r.replica) {
    const m = r.replica;
    targets.push({
      name: "Replica libSQL (2 app sulla replica + 2 worker): errori e duplicati",
      target: "0 e 0",
      value: `${m.errors} e ${m.duplicates}`,
      met: m.errors === 0 && m.duplicates === 0 && m.messages === m.subscribers,
    });
  }
  if (r.multiProcess) {
    const m = r.multiProcess;
    targets.push({
      name: "2 app + 2 worker: errori e duplicati",
      target: "0 e 0",
      value: `${m.errors} e ${m.duplicates}`,
      met: m.errors === 0 && m.duplicates === 0 && m.messages === m.subscribers,
    });
  }
  return targets;
}

function loadRow(label: string, l: LoadResult): string {
  const codes = Object.entries(l.statusCodes).map(([c, n]) => `${c}×${n}`).join(" ");
  return `| ${label} | ${l.requestsPerSecond} | ${l.p50} | ${l.p99} | ${l.cpuMsPerRequest ?? "–"} | ${l.errors + l.timeouts} | ${codes} |`;
}

export function toMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# Aggrega: risultati del benchmark`, ``);
  lines.push(`- Data: ${r.date}`);
  lines.push(`- Macchina: ${m.cpus} CPU (${m.cpuModel}), ${m.memoryGB} GB di memoria, Node ${m.node}, ${m.platform}`);
  lines.push(`- Carico: autocannon, ${r.options.connections} connessioni, ${r.options.durationSeconds} s per misura; ${r.options.full ? "con" : "senza"} \`--full\``);
  lines.push(`- Dati: ${Object.entries(r.sizes).map(([k, v]) => `${v} ${k}`).join(", ")} (generati in ${(r.setup.generateMs / 1000).toFixed(1)} s)`);
  lines.push(`- Durata totale: ${r.totalSeconds.toFixed(0)} s`, ``);
  lines.push(`Ogni scenario è misurato accanto al suo riferimento nella stessa esecuzione; il rapporto è sito ÷ riferimento.`, ``);
  lines.push(`## Obiettivi`, ``, `| Obiettivo | Atteso | Misurato | Esito |`, `|---|---|---|---|`);
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met ? "raggiunto" : "**mancato**"} |`);
  if (r.pages.length > 0) {
    lines.push(``, `## Pagine`, ``);
    lines.push(`Riferimento: un server \`node:http\` nudo che restituisce gli stessi byte (stato, intestazioni, corpo).`);
    lines.push(`Sito e riferimento si alternano (A B B A, metà durata ciascuno); "CPU ms/req" è il tempo di CPU del processo server per richiesta.`, ``);
    lines.push(`| Pagina | req/s | p50 ms | p99 ms | CPU ms/req | errori | stati |`, `|---|---|---|---|---|---|---|`);
    for (const p of r.pages) {
      lines.push(loadRow(`${p.name} \`${p.path}\` (${p.bytes} B)`, p.site));
      lines.push(loadRow(`↳ riferimento (rapporto ${p.ratio}×)`, p.baseline));
    }
  }
  if (r.progress) {
    const p = r.progress;
    lines.push(``, `## Scritture dei progressi`, ``);
    lines.push(`| Misura | req/s | p50 ms | p99 ms | CPU ms/req | errori | stati |`, `|---|---|---|---|---|---|---|`);
    lines.push(loadRow("sito (POST modulo, cookie di sessione)", p.site));
    lines.push(loadRow(`↳ riferimento (rapporto ${p.ratio}×)`, p.baseline));
    lines.push(``, `Scritture confermate: ${p.confirmed}; mancanti nel database: ${p.lost}; righe lesson_completions ${p.rowsBefore} → ${p.rowsAfter}.`);
  }
  if (r.fanout.length > 0) {
    lines.push(``, `## Invio degli avvisi`, ``);
    lines.push(`Riferimento: gli stessi messaggi inviati direttamente con un trasporto nodemailer in pool, senza database.`, ``);
    lines.push(`| Iscritti | worker msg/s | worker ms | worker RSS max | worker CPU ms/msg | riferimento msg/s | riferimento RSS max | riferimento CPU ms/msg | rapporto | duplicati |`);
    lines.push(`|---|---|---|---|---|---|---|---|---|---|`);
    for (const f of r.fanout) {
      lines.push(
        `| ${f.subscribers} | ${f.worker.messagesPerSecond} | ${f.worker.ms} | ${f.worker.peakRssMB} MB | ${f.worker.cpuMsPerMessage} | ${f.baseline.messagesPerSecond} | ${f.baseline.peakRssMB} MB | ${f.baseline.cpuMsPerMessage} | ${f.ratio}× | ${f.worker.duplicates} |`,
      );
    }
  }
  if (r.build || r.start.length > 0) {
    lines.push(``, `## Avvio e compilazione`, ``);
    if (r.build) lines.push(`- \`npm run build\`: ${(r.build.ms / 1000).toFixed(1)} s (dist/ ricompilata)`);
    for (const s of r.start) lines.push(`- \`npm start\` (${s.database}): /healthz in ${(s.healthzMs / 1000).toFixed(2)} s, home in ${(s.homeMs / 1000).toFixed(2)} s`);
  }
  if (r.weight.length > 0) {
    lines.push(``, `## Peso delle pagine (gzip)`, ``, `| Pagina | HTML | CSS | JS |`, `|---|---|---|---|`);
    for (const w of r.weight) lines.push(`| ${w.name} \`${w.path}\` | ${kb(w.html)} | ${kb(w.css)} | ${kb(w.js)} |`);
  }
  if (r.multiProcess) {
    const mp = r.multiProcess;
    lines.push(``, `## Più di una macchina: 2 app + 2 worker su un database`, ``);
    lines.push(`- Richieste servite durante l'invio: ${mp.requests} (errori: ${mp.errors})`);
    lines.push(`- Messaggi: ${mp.messages} per ${mp.subscribers} iscritti, duplicati: ${mp.duplicates}, consegne registrate: ${mp.deliveries}, in ${(mp.ms / 1000).toFixed(1)} s`);
  }
  if (r.scale.length > 0) {
    lines.push(``, `## Costo a 10× i dati`, ``);
    lines.push(`Ogni dimensione servita da una propria app con il micro-cache spento; 10 connessioni, A B B A.`, ``);
    lines.push(`| Pagina | CPU ms/req | CPU ms/req a 10× | variazione | p99 ms | p99 ms a 10× |`, `|---|---|---|---|---|---|`);
    for (const row of r.scale) {
      lines.push(`| ${row.name} | ${row.cpuMs} | ${row.cpuMs10x} | ${row.growth >= 0 ? "+" : ""}${Math.round(row.growth * 100)}% | ${row.p99} | ${row.p99At10x} |`);
    }
  }
  if (r.replica) {
    const rp = r.replica;
    lines.push(``, `## Replica libSQL: 2 app sulla replica, 2 worker sul primario`, ``);
    lines.push(`- Replica allineata ai dati generati in ${(rp.catchUpMs / 1000).toFixed(1)} s; ritardo massimo di una scrittura sul primario: ${rp.maxLagMs} ms`);
    lines.push(`- Richieste servite durante l'invio: ${rp.requests} (errori: ${rp.errors})`);
    lines.push(`- Messaggi: ${rp.messages} per ${rp.subscribers} iscritti, duplicati: ${rp.duplicates}, consegne registrate: ${rp.deliveries}, in ${(rp.ms / 1000).toFixed(1)} s`);
  }
  if (r.skipped.length > 0) {
    lines.push(``, `## Scenari non eseguiti`, ``);
    for (const s of r.skipped) lines.push(`- ${s.scenario}: ${s.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function writeResults(dir: string, results: BenchResults): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(dir, "latest.md"), toMarkdown(results));
}
