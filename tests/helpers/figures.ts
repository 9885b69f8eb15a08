/**
 * Figures from test runs (inputs tried, faults injected, records checked),
 * merged into test-results/figures.json so the README can quote real runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./db";

const FILE = path.join(ROOT, "test-results/figures.json");

export function recordFigure(name: string, value: unknown): void {
  mkdirSync(path.dirname(FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(FILE, "utf8")) as Record<string, unknown>;
  } catch {
    // first figure of the run
  }
  all[name] = { ...(value as object), recordedAt: new Date().toISOString() };
  writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
}
