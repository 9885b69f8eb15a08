/**
 * Decides whether the build in dist/ is older than its sources. Plain
 * JavaScript: `npm start` (scripts/run.mjs) asks it with plain `node`,
 * before anything TypeScript is loaded.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = ["src", "content", "public", "db/schema", "scripts", "astro.config.mjs", "package-lock.json", "tsconfig.json"];

/** What a build writes; the bundles come last (scripts/bundle.mjs), so their age is the build's. */
export const BUILD_OUTPUTS = ["dist/server/entry.mjs", "dist/courses.json", "dist/cli/start.mjs", "dist/cli/worker.mjs"];

/** @param {string} target */
function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

/** @param {string} root */
export function serverEntry(root) {
  return path.join(root, "dist/server/entry.mjs");
}

/** The built static files (Astro's client output) that src/lib/static-files.ts serves. @param {string} root */
export function clientDir(root) {
  return path.join(root, "dist/client");
}

/** @param {string} root */
export function needsBuild(root) {
  let built = Infinity;
  for (const output of BUILD_OUTPUTS) {
    const file = path.join(root, output);
    if (!existsSync(file)) return true;
    built = Math.min(built, statSync(file).mtimeMs);
  }
  return SOURCES.some((source) => newestMtime(path.join(root, source)) > built);
}
