import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/db";

/** Runs `npm start`'s entry (plain node, the bundled start) with a bad environment: one clear line, exit code 1. */
function startWith(env: Record<string, string>) {
  return spawnSync(process.execPath, ["scripts/run.mjs", "start"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("start-up with a bad environment", () => {
  it.each([
    [{ DATABASE_URL: "mysql://localhost/db" }, "DATABASE_URL"],
    [{ PORT: "porta" }, "PORT"],
    [{ PORT: "99999" }, "PORT"],
  ])("%o stops with one line naming the variable", (env, name) => {
    const result = startWith(env);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("db:seed with a bad flag prints usage, not a stack trace", () => {
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/db-seed.ts", "--nonsense"], { cwd: ROOT, encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Uso: npm run db:seed");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
