/**
 * Every route of the site, read from the files under src/pages, so tests
 * that must cover "every route" also cover the ones added later.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./db";

export interface RouteFile {
  /** Path of the file, relative to src/pages. */
  file: string;
  /** A URL that reaches the route, with sample values for dynamic segments. */
  path: string;
}

const PAGES = path.join(ROOT, "src/pages");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** "/gestione/comunicati/[id].astro" → "/gestione/comunicati/1"; "[...rest]" → "esempio". */
function toUrl(file: string): string {
  const withoutExt = file.replace(/\.(astro|ts|js|md|mdx)$/, "");
  const segments = withoutExt.split("/").map((segment) =>
    segment.replace(/\[\.\.\.[^\]]+\]/g, "esempio").replace(/\[[^\]]+\]/g, "1"),
  );
  if (segments.at(-1) === "index") segments.pop();
  return `/${segments.join("/")}`;
}

/** Route files under `under` (e.g. "gestione"), skipping private files (leading underscore). */
export function routeFiles(under = ""): RouteFile[] {
  const base = path.join(PAGES, under);
  return walk(base)
    .map((full) => path.relative(PAGES, full).split(path.sep).join("/"))
    .filter((file) => /\.(astro|ts|js|md|mdx)$/.test(file) && !file.split("/").some((s) => s.startsWith("_")))
    .sort()
    .map((file) => ({ file, path: toUrl(file) }));
}
