/** Decides whether the built server in dist/ is older than its sources. */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = ["src", "content", "public", "db/schema", "astro.config.mjs", "package-lock.json", "tsconfig.json"];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

export function serverEntry(root: string): string {
  return path.join(root, "dist/server/entry.mjs");
}

/** The built static files (Astro's client output) that src/lib/static-files.ts serves. */
export function clientDir(root: string): string {
  return path.join(root, "dist/client");
}

export function needsBuild(root: string): boolean {
  const entry = serverEntry(root);
  if (!existsSync(entry)) return true;
  const built = statSync(entry).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(root, source)) > built);
}
