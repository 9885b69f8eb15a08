/**
 * `npm test`: runs every Vitest project, then prints the plain total line
 * "N passed, N failed" that CI reads, so a run that executed nothing shows.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const report = path.join(root, "test-results/vitest.json");
rmSync(report, { force: true });

const run = spawnSync("vitest", ["run", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const results = JSON.parse(readFileSync(report, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults: { status: string; assertionResults: unknown[] }[];
  };
  // A file that failed to load has no tests of its own: count it as one failure.
  const brokenFiles = results.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  passed = results.numPassedTests;
  failed = results.numFailedTests + brokenFiles;
  skipped = results.numPendingTests + results.numTodoTests;
} catch {
  failed = Math.max(failed, 1);
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
process.exit(run.status ?? 1);
