/**
 * Walks the running site like a visitor: follows same-origin links from the
 * home page (GET only), and records every response with the forms and query
 * parameters it finds, so sweeps cover pages as other engineers add them.
 */
import { DomUtils, parseDocument } from "htmlparser2";
import type { Element } from "domhandler";

export interface CrawledResponse {
  /** Path with query string, as requested. */
  url: string;
  status: number;
  headers: Headers;
  contentType: string;
  /** Text bodies only (HTML, XML, JSON, CSV, ICS); empty for binary files. */
  body: string;
}

export interface FormField {
  name: string;
  /** input type, "select" or "textarea". */
  type: string;
  value: string;
  options: string[];
}

export interface FoundForm {
  /** Page the form was found on. */
  page: string;
  action: string;
  method: "get" | "post";
  enctype: string;
  fields: FormField[];
}

export interface CrawlResult {
  responses: CrawledResponse[];
  forms: FoundForm[];
  /** Query parameter names seen in links, by path. */
  queryParams: Map<string, Set<string>>;
}

export interface CrawlOptions {
  cookie?: string;
  start?: string[];
  /** Stop after this many requests. */
  limit?: number;
  /** At most this many URLs that share a path shape (same first two segments and query keys). */
  perShape?: number;
  skip?: (path: string) => boolean;
}

const TEXT = /^(text\/|application\/(json|xml|rss\+xml|atom\+xml|ld\+json|javascript)|image\/svg\+xml)/;

function shapeOf(url: URL): string {
  const segments = url.pathname.split("/").filter(Boolean);
  const head = segments.slice(0, 2).map((s, i) => (i === 1 && /\d|-.*-/.test(s) ? ":id" : s));
  return `${head.join("/")}/${segments.length}?${[...url.searchParams.keys()].sort().join("&")}`;
}

/** Same-origin links, stylesheets, scripts and feed links of an HTML page. */
export function linksOf(html: string): string[] {
  const doc = parseDocument(html);
  const out: string[] = [];
  for (const el of DomUtils.findAll((e) => ["a", "link", "script", "img"].includes(e.name), doc.children)) {
    const target = el.attribs.href ?? el.attribs.src;
    if (target) out.push(target);
  }
  return out;
}

/** Forms of an HTML page with their fields and default values. */
export function formsOf(html: string, page: string): FoundForm[] {
  const doc = parseDocument(html);
  return DomUtils.findAll((e) => e.name === "form", doc.children).map((form) => {
    const fields: FormField[] = [];
    for (const el of DomUtils.findAll((e) => ["input", "select", "textarea"].includes(e.name), form.children) as Element[]) {
      const name = el.attribs.name;
      if (!name) continue;
      if (el.name === "select") {
        const options = DomUtils.findAll((e) => e.name === "option", el.children).map((o) => o.attribs.value ?? DomUtils.textContent(o));
        const selected = DomUtils.findOne((e) => e.name === "option" && "selected" in e.attribs, el.children);
        fields.push({ name, type: "select", value: selected?.attribs.value ?? options[0] ?? "", options });
      } else if (el.name === "textarea") {
        fields.push({ name, type: "textarea", value: DomUtils.textContent(el), options: [] });
      } else {
        const type = (el.attribs.type ?? "text").toLowerCase();
        if (type === "submit" || type === "button" || type === "image" || type === "reset") continue;
        if ((type === "checkbox" || type === "radio") && !("checked" in el.attribs)) {
          fields.push({ name, type, value: "", options: [el.attribs.value ?? "on"] });
          continue;
        }
        fields.push({ name, type, value: el.attribs.value ?? "", options: type === "checkbox" || type === "radio" ? [el.attribs.value ?? "on"] : [] });
      }
    }
    return {
      page,
      action: form.attribs.action ?? page,
      method: (form.attribs.method ?? "get").toLowerCase() === "post" ? "post" : "get",
      enctype: form.attribs.enctype ?? "application/x-www-form-urlencoded",
      fields,
    };
  });
}

export async function crawl(baseUrl: string, options: CrawlOptions = {}): Promise<CrawlResult> {
  const { cookie, limit = 400, perShape = 6, start = ["/"], skip = () => false } = options;
  const origin = new URL(baseUrl).origin;
  const queue = [...start];
  const seen = new Set<string>(queue);
  const shapes = new Map<string, number>();
  const responses: CrawledResponse[] = [];
  const forms: FoundForm[] = [];
  const queryParams = new Map<string, Set<string>>();

  while (queue.length > 0 && responses.length < limit) {
    const url = queue.shift()!;
    const response = await fetch(new URL(url, baseUrl), { redirect: "manual", headers: cookie ? { cookie } : {} });
    const contentType = response.headers.get("content-type") ?? "";
    const body = TEXT.test(contentType) ? await response.text() : (await response.arrayBuffer(), "");
    responses.push({ url, status: response.status, headers: response.headers, contentType, body });

    const found: string[] = [];
    const location = response.headers.get("location");
    if (location) found.push(location);
    if (contentType.startsWith("text/html")) {
      found.push(...linksOf(body));
      for (const form of formsOf(body, url)) {
        forms.push(form);
        if (form.method === "get") found.push(form.action);
      }
    }
    for (const link of found) {
      let target: URL;
      try {
        target = new URL(link, new URL(url, baseUrl));
      } catch {
        continue;
      }
      if (target.origin !== origin) continue;
      target.hash = "";
      const key = `${target.pathname}${target.search}`;
      if (target.search) {
        const names = queryParams.get(target.pathname) ?? new Set<string>();
        for (const name of target.searchParams.keys()) names.add(name);
        queryParams.set(target.pathname, names);
      }
      if (seen.has(key) || skip(key)) continue;
      const shape = shapeOf(target);
      const count = shapes.get(shape) ?? 0;
      if (count >= perShape) continue;
      shapes.set(shape, count + 1);
      seen.add(key);
      queue.push(key);
    }
  }
  return { responses, forms, queryParams };
}
