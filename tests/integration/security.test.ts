/**
 * Security sweep of the real built site: headers on every response a visitor
 * and an administrator can reach (pages, feeds, files, errors), no inline
 * script or style that the CSP would block, and hostile requests answered
 * without a 500, a stack trace or a secret, in responses or in the logs.
 */
import { randomBytes } from "node:crypto";
import { DomUtils, parseDocument } from "htmlparser2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAs } from "../helpers/auth";
import { crawl, type CrawledResponse } from "../helpers/crawl";
import { recordFigure } from "../helpers/figures";
import { postForm } from "../helpers/forms";
import { rawRequest } from "../helpers/raw-http";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

const SECRET = randomBytes(24).toString("hex");
const PUBLIC_ORIGIN = "https://aggrega.example";
const STACK = /\n\s+at \S+ \(|node_modules\/|\.mjs:\d+|\.ts:\d+:\d+/;

/** Header problems of one response, empty when it is clean. */
function headerProblems(r: { headers: Headers }, expectHsts: boolean): string[] {
  const problems: string[] = [];
  const csp = r.headers.get("content-security-policy") ?? "";
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? "";
  if (!csp) problems.push("no Content-Security-Policy");
  if (/'unsafe-inline'|'unsafe-eval'/.test(scriptSrc) || !scriptSrc.includes("'self'")) problems.push(`script-src is "${scriptSrc}"`);
  if (!/frame-ancestors 'none'/.test(csp)) problems.push("no frame-ancestors 'none'");
  if (r.headers.get("x-content-type-options") !== "nosniff") problems.push("no X-Content-Type-Options: nosniff");
  if (!r.headers.get("referrer-policy")) problems.push("no Referrer-Policy");
  const hsts = r.headers.get("strict-transport-security");
  if (expectHsts && !/max-age=\d{7,}/.test(hsts ?? "")) problems.push("no Strict-Transport-Security");
  if (!expectHsts && hsts) problems.push("HSTS on a local site");
  return problems;
}

/** Inline scripts, event-handler attributes and style attributes/elements: all blocked by our CSP. */
export function inlineCode(html: string): string[] {
  const doc = parseDocument(html);
  const found: string[] = [];
  for (const el of DomUtils.findAll(() => true, doc.children)) {
    const type = el.attribs.type ?? "";
    if (el.name === "script" && !el.attribs.src && !/json/.test(type)) found.push(`<script> ${DomUtils.textContent(el).trim().slice(0, 60)}`);
    if (el.name === "style") found.push(`<style> ${DomUtils.textContent(el).trim().slice(0, 60)}`);
    if ("style" in el.attribs) found.push(`<${el.name} style="${el.attribs.style}">`);
    for (const name of Object.keys(el.attribs)) if (/^on[a-z]+$/.test(name)) found.push(`<${el.name} ${name}>`);
    if (el.name === "a" && /^\s*javascript:/i.test(el.attribs.href ?? "")) found.push(`<a href="javascript:…">`);
  }
  return found;
}

describe("security of the site published on https", () => {
  let site: RunningSite;
  let anonymous: CrawledResponse[];
  let admin: CrawledResponse[];

  beforeAll(async () => {
    site = await startSite({ SITE_URL: PUBLIC_ORIGIN, APP_SECRET: SECRET, LOG_LEVEL: "info" });
    await useSiteDatabase(site);
    const signedIn = await signedInAs({ ...site, publicOrigin: PUBLIC_ORIGIN }, "admin");
    anonymous = (await crawl(site.baseUrl, { limit: 250 })).responses;
    admin = (await crawl(site.baseUrl, { cookie: signedIn.cookie, limit: 250, start: ["/", "/gestione", "/account"], skip: (p) => p.startsWith("/esci") })).responses;
  }, 300_000);
  afterAll(async () => {
    await site?.stop();
  });

  it("reaches pages, feeds, files and back-office pages", () => {
    const all = [...anonymous, ...admin];
    expect(all.filter((r) => r.contentType.startsWith("text/html")).length).toBeGreaterThan(20);
    expect(all.some((r) => /rss|xml/.test(r.contentType))).toBe(true);
    expect(all.some((r) => r.url.startsWith("/_astro/") && r.contentType.startsWith("text/css"))).toBe(true);
    expect(admin.some((r) => r.url.startsWith("/gestione") && r.status === 200)).toBe(true);
  });

  it("never answers 5xx while crawling", () => {
    const failures = [...anonymous, ...admin].filter((r) => r.status >= 500).map((r) => `${r.status} ${r.url}`);
    expect(failures).toEqual([]);
  });

  it("sends the security headers, HSTS included, on every response", async () => {
    const problems: string[] = [];
    const errors = await Promise.all(["/pagina-che-non-esiste", "/convenzioni/inesistente", "/allegati/inesistente"].map((p) => fetch(new URL(p, site.baseUrl))));
    const checked = [...anonymous, ...admin, ...errors.map((r) => ({ url: new URL(r.url).pathname, headers: r.headers }))];
    for (const r of checked) {
      for (const problem of headerProblems(r, true)) problems.push(`${r.url}: ${problem}`);
    }
    expect(problems).toEqual([]);
    recordFigure("security-headers", { responsesChecked: checked.length, htmlPages: checked.filter((r) => "contentType" in r && String(r.contentType).startsWith("text/html")).length });
  });

  it("has no inline script, event handler or style attribute on any page (the CSP would block them)", () => {
    const offenders: string[] = [];
    for (const r of [...anonymous, ...admin]) {
      if (!r.contentType.startsWith("text/html")) continue;
      for (const code of inlineCode(r.body)) offenders.push(`${r.url}: ${code}`);
    }
    expect([...new Set(offenders)]).toEqual([]);
  });

  it("never puts the application secret in a response", () => {
    const leaks = [...anonymous, ...admin].filter((r) => r.body.includes(SECRET)).map((r) => r.url);
    expect(leaks).toEqual([]);
  });

  it("answers malformed and hostile requests without a 500 or a stack trace", async () => {
    const host = new URL(site.baseUrl).host;
    const post = (contentType: string, body: Buffer, length = body.length) =>
      Buffer.concat([
        Buffer.from(`POST /accessibilita/segnala HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${PUBLIC_ORIGIN}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`),
        body,
      ]);
    const requests: [string, string | Buffer][] = [
      ["percent sign alone", `GET /% HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["broken escape", `GET /convenzioni/%E0%A4%A HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["invalid UTF-8 in the query", `GET /convenzioni?q=%ff%fe%c3%28 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["raw bytes in the path", Buffer.concat([Buffer.from("GET /sala-stampa/"), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)])],
      ["path traversal", `GET /allegati/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["dot segments", `GET /../../etc/passwd HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["null byte", `GET /convenzioni%00.html HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["huge header", `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Filler: ${"a".repeat(40_000)}\r\nConnection: close\r\n\r\n`],
      ["huge cookie", `GET /account HTTP/1.1\r\nHost: ${host}\r\nCookie: aggrega_sessione=${"b".repeat(12_000)}\r\nConnection: close\r\n\r\n`],
      ["garbage session cookie", `GET /account HTTP/1.1\r\nHost: ${host}\r\nCookie: aggrega_sessione=%%%'\"<script>\r\nConnection: close\r\n\r\n`],
      ["hostile Host header", `GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`],
      ["hostile forwarded host", `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n`],
      ["unknown method", `BREW / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`],
      ["request id injection", `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Request-Id: a"}\\n{"level":"error\r\nConnection: close\r\n\r\n`],
      ["form body in Latin-1", post("application/x-www-form-urlencoded", Buffer.from("email=a%40b.it&description=caff\xe9 con lo zucchero", "latin1"))],
      ["JSON body to a form", post("application/json", Buffer.from('{"email":["a@b.it"],"description":{"x":1}}'))],
      ["truncated multipart", post("multipart/form-data; boundary=xyz", Buffer.from("--xyz\r\nContent-Disposition: form"))],
      ["multipart without boundary", post("multipart/form-data", Buffer.from("--xyz--"))],
      ["body shorter than announced", post("application/x-www-form-urlencoded", Buffer.from("email=a%40b.it&description=troppo"), 5)],
      ["oversized body", post("application/x-www-form-urlencoded", Buffer.from(`email=a%40b.it&description=${"x".repeat(3_000_000)}`))],
    ];
    recordFigure("hostile-requests", { sent: requests.length });
    const problems: string[] = [];
    for (const [label, request] of requests) {
      const reply = await rawRequest(site.baseUrl, request);
      if (reply.status === 0 || reply.status >= 500) problems.push(`${label}: status ${reply.status}`);
      if (STACK.test(reply.body) || STACK.test(reply.head)) problems.push(`${label}: stack trace in the reply`);
      if (reply.body.includes(SECRET)) problems.push(`${label}: secret in the reply`);
      if (reply.status < 500 && reply.status >= 200 && /text\/html/.test(reply.head) && !/x-content-type-options: nosniff/i.test(reply.head)) {
        problems.push(`${label}: HTML without security headers`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("keeps logs to JSON lines without stack traces, secrets or email addresses", async () => {
    // Give the logs something personal to leak.
    // Posted as from the public origin (SITE_URL), so the forms really run.
    const origin = { Origin: PUBLIC_ORIGIN };
    await postForm(site.baseUrl, "/accessibilita/segnala", { email: "persona.riservata@comune.example.it", description: "Una segnalazione per controllare i log." }, origin);
    await postForm(site.baseUrl, "/accedi", { email: "persona.riservata@comune.example.it", password: "sbagliata-davvero" }, origin);
    const output = site.output();
    expect(output).not.toMatch(/\n\s+at /);
    expect(output).not.toContain(SECRET);
    expect(output).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    const lines = output.split("\n").filter((l) => l.startsWith("{"));
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(typeof entry.time).toBe("string");
      expect(typeof entry.event).toBe("string");
    }
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === "request");
    expect(requests.every((e) => typeof e.requestId === "string" && typeof e.status === "number")).toBe(true);
    // The forged X-Request-Id above did not make it into the logs.
    expect(output).not.toContain('"level":"error\\n');
  });
});

describe("security headers on a local site", () => {
  it("sends everything but HSTS, which would pin http://localhost to https", async () => {
    const site = await startSite();
    try {
      for (const p of ["/", "/pagina-che-non-esiste", "/favicon.svg"]) {
        const response = await fetch(new URL(p, site.baseUrl));
        expect({ p, problems: headerProblems(response, false) }).toEqual({ p, problems: [] });
      }
    } finally {
      await site.stop();
    }
  }, 180_000);
});
