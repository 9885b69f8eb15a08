/**
 * Page weight: gzip bytes of the HTML of each page type and of the CSS and
 * JavaScript it loads, as served by the real site.
 */
import { gzipSync } from "node:zlib";
import type { PageTarget } from "./pages";

export interface WeightResult {
  name: string;
  path: string;
  html: number;
  css: number;
  js: number;
  /** Files behind the CSS and JS figures. */
  stylesheets: string[];
  scripts: string[];
}

const gz = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

async function fetchBytes(url: string, headers: Record<string, string>): Promise<Buffer> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Stylesheets and scripts a page loads, by their URL (inline ones count as part of the HTML). */
export function assetsOf(html: string): { stylesheets: string[]; scripts: string[] } {
  const stylesheets = [...html.matchAll(/<link\b[^>]*\brel=["']?stylesheet["']?[^>]*>/gi)]
    .map((m) => /\bhref=["']?([^"'\s>]+)/i.exec(m[0])?.[1])
    .filter((href): href is string => Boolean(href));
  const scripts = [
    ...[...html.matchAll(/<script\b[^>]*\bsrc=["']?([^"'\s>]+)[^>]*>/gi)].map((m) => m[1]!),
    ...[...html.matchAll(/<link\b[^>]*\brel=["']?modulepreload["']?[^>]*>/gi)]
      .map((m) => /\bhref=["']?([^"'\s>]+)/i.exec(m[0])?.[1])
      .filter((href): href is string => Boolean(href)),
  ];
  return { stylesheets: [...new Set(stylesheets)], scripts: [...new Set(scripts)] };
}

export async function weightScenario(siteUrl: string, pages: PageTarget[]): Promise<WeightResult[]> {
  const results: WeightResult[] = [];
  for (const page of pages) {
    const headers: Record<string, string> = page.cookie ? { cookie: page.cookie } : {};
    const html = await fetchBytes(`${siteUrl}${page.path}`, headers);
    const { stylesheets, scripts } = assetsOf(html.toString("utf8"));
    const sizes = async (urls: string[]) => {
      let total = 0;
      for (const url of urls) total += gz(await fetchBytes(new URL(url, `${siteUrl}${page.path}`).href, headers));
      return total;
    };
    results.push({ name: page.name, path: page.path, html: gz(html), css: await sizes(stylesheets), js: await sizes(scripts), stylesheets, scripts });
  }
  return results;
}
