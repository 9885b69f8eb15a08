import type { CrawledResponse } from "./crawl";

/** One HTML page per URL shape: segments that look like data (ids, slugs, years) are one type; section names are not. */
export function pageTypes(responses: CrawledResponse[], max: number): string[] {
  const seen = new Set<string>();
  const picked: string[] = [];
  for (const r of responses) {
    if (r.status !== 200 || !r.contentType.startsWith("text/html")) continue;
    const url = new URL(r.url, "http://x");
    const shape = `${url.pathname.split("/").map((s, i) => (i > 1 && /\d|-.*-/.test(s) ? ":x" : s)).join("/")}?${[...url.searchParams.keys()].sort().join("&")}`;
    if (seen.has(shape)) continue;
    seen.add(shape);
    picked.push(r.url);
  }
  return picked.slice(0, max);
}
