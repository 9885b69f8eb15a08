/**
 * Malformed content files stop `db:seed` and the build with a message that
 * names the file and the field. Each case edits a temporary copy of the
 * project's content folder; the real content is never touched.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/db";
import { recordFigure } from "../helpers/figures";

/** A project root whose content/ is a private copy; code and dependencies are linked. */
async function projectCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-content-"));
  for (const entry of ["src", "db", "node_modules", "public", "package.json", "tsconfig.json", "astro.config.mjs"]) {
    await symlink(path.join(ROOT, entry), path.join(dir, entry));
  }
  await cp(path.join(ROOT, "content"), path.join(dir, "content"), { recursive: true });
  return dir;
}

async function edit(root: string, file: string, from: string | RegExp, to: string): Promise<void> {
  const full = path.join(root, file);
  const before = await readFile(full, "utf8");
  const after = before.replace(from, to);
  if (after === before) throw new Error(`${file}: ${String(from)} not found`);
  await writeFile(full, after);
}

function seed(root: string) {
  return spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), ["src/cli/db-seed.ts"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${path.join(root, "data/seed.db")}` },
    encoding: "utf8",
    timeout: 240_000,
  });
}

const STACK = /\n\s+at \S+/;
let cases = 0;

/** db:seed stopped with exit code 1, one message naming every needle, and no stack trace. */
function expectRefused(result: ReturnType<typeof seed>, ...needles: string[]): void {
  expect(result.status).toBe(1);
  for (const needle of needles) expect(result.stderr).toContain(needle);
  expect(result.stderr).not.toMatch(STACK);
}

describe("malformed content files", () => {
  const roots: string[] = [];
  const fresh = async () => {
    const root = await projectCopy();
    roots.push(root);
    cases += 1;
    return root;
  };
  afterAll(async () => {
    recordFigure("content-files", { malformedCases: cases });
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });

  it("the untouched copy seeds cleanly (the cases below fail because of their edit)", async () => {
    const result = seed(await fresh());
    expect(result.stderr).not.toMatch(STACK);
    expect(result.status).toBe(0);
  }, 300_000);

  it.each([
    ["an impossible date", '"2017-02-30"'],
    ["a date in words", "20 marzo 2017"],
    ["a date in the wrong order", '"20-03-2017"'],
  ])("a seed convention with %s stops db:seed naming the file and field", async (_label, value) => {
    const root = await fresh();
    await edit(root, "content/seed/conventions.yaml", 'publishedOn: "2017-03-20"', `publishedOn: ${value}`);
    expectRefused(seed(root), "content/seed/conventions.yaml", "publishedOn");
  }, 300_000);

  it("a seed file that is not YAML stops db:seed naming the file", async () => {
    const root = await fresh();
    await writeFile(path.join(root, "content/seed/aggregators.yaml"), "- id: consip\n  name: [non chiuso\n");
    expectRefused(seed(root), "content/seed/aggregators.yaml");
  }, 300_000);

  it("a lesson whose frontmatter has a wrong type stops db:seed naming the lesson file and field", async () => {
    const root = await fresh();
    const lesson = "content/courses/aggregatori-e-convenzioni/lessons/aderire-a-una-convenzione.mdx";
    await edit(root, lesson, /^minutes: \d+$/m, "minutes: trenta");
    expectRefused(seed(root), "aderire-a-una-convenzione.mdx", "minutes");
  }, 300_000);

  it("a course whose quiz lacks a correct answer stops db:seed naming the quiz file", async () => {
    const root = await fresh();
    const quiz = "content/courses/aggregatori-e-convenzioni/quiz.yaml";
    const text = await readFile(path.join(root, quiz), "utf8");
    await writeFile(path.join(root, quiz), text.replace(/correct: .*/g, "correct: 99"));
    expectRefused(seed(root), "quiz.yaml");
  }, 300_000);

  it("a lesson with broken MDX fails the build naming the file", async () => {
    const root = await fresh();
    const lesson = "content/courses/aggregatori-e-convenzioni/lessons/aderire-a-una-convenzione.mdx";
    await edit(root, lesson, /\n\n/, "\n\n<div>\n\nUn blocco aperto e mai chiuso {oggetto.\n\n");
    const result = spawnSync(path.join(ROOT, "node_modules/.bin/astro"), ["build"], {
      cwd: root,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
      encoding: "utf8",
      timeout: 540_000,
    });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("aderire-a-una-convenzione.mdx");
  }, 600_000);
});
