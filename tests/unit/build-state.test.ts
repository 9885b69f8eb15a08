/** When `npm start` rebuilds: a missing output, or a source newer than the oldest output. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUILD_OUTPUTS, needsBuild } from "../../scripts/build-state.mjs";

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(): string {
  root = mkdtempSync(path.join(os.tmpdir(), "aggrega-build-state-"));
  for (const file of ["src/pages/index.astro", "content/courses/a/course.mdx", "astro.config.mjs", ...BUILD_OUTPUTS]) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), "x");
  }
  return root;
}

/** Sets a file's modification time `seconds` from now. */
function age(file: string, seconds: number) {
  const when = new Date(Date.now() + seconds * 1000);
  utimesSync(path.join(root, file), when, when);
}

describe("needsBuild", () => {
  it("is false when every output is newer than every source", () => {
    tree();
    for (const output of BUILD_OUTPUTS) age(output, 10);
    expect(needsBuild(root)).toBe(false);
  });

  it("is true when an output is missing (a fresh clone, or a build without the bundles)", () => {
    tree();
    for (const output of BUILD_OUTPUTS) age(output, 10);
    rmSync(path.join(root, "dist/cli/start.mjs"));
    expect(needsBuild(root)).toBe(true);
  });

  it("is true when a course changed after the build", () => {
    tree();
    for (const output of BUILD_OUTPUTS) age(output, 10);
    age("content/courses/a/course.mdx", 20);
    expect(needsBuild(root)).toBe(true);
  });

  it("compares with the oldest output: an interrupted build is redone", () => {
    tree();
    for (const output of BUILD_OUTPUTS) age(output, 10);
    age("dist/server/entry.mjs", -10);
    age("src/pages/index.astro", 0);
    expect(needsBuild(root)).toBe(true);
  });
});
