/**
 * Property-based tests (fast-check) against the real built site: hostile,
 * malformed, oversized and wrongly encoded values for every form and query
 * parameter a crawl finds (anonymous, learner and back office), plus a list
 * of known endpoints and path parameters. Every answer must be a normal page,
 * a redirect or a 4xx page, never a 5xx; values are never echoed as live
 * markup; and no row stored before the burst changes.
 *
 * FUZZ_RUNS sets the runs per property (default 60); e.g. FUZZ_RUNS=2000 for a long run.
 */
import fc from "fast-check";
import { DomUtils, parseDocument } from "htmlparser2";
import { createClient, type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAs } from "../helpers/auth";
import { crawl, type FoundForm } from "../helpers/crawl";
import { recordFigure } from "../helpers/figures";
import { startSite, type RunningSite } from "../helpers/server";
import { rowsIn, sameRowsAs, takeSnapshot, type Snapshot } from "../helpers/snapshot";
import { useSiteDatabase } from "../helpers/db";

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 60) || 60);

/** A value as sent: text (percent-encoded as UTF-8 here) or raw bytes (possibly not UTF-8 at all). */
type Sent = { text: string } | { bytes: Uint8Array };

const PAYLOADS = [
  "' OR '1'='1' --",
  "\"; DROP TABLE users; --",
  "1; SELECT * FROM sqlite_master",
  "<script>alert(1)</script>",
  "\"><img src=x onerror=alert(1)>",
  "javascript:alert(1)",
  "../../../../etc/passwd",
  "..%2f..%2f..%2fetc%2fpasswd",
  "\u0000",
  "\uFEFF\u202E",
  "𝕬𝖌𝖌𝖗𝖊𝖌𝖆 ✓ 日本語",
  "-1",
  "0",
  "99999999999999999999999",
  "1e309",
  "NaN",
  "-Infinity",
  "2026-02-30",
  "0000-00-00",
  "9999-99-99T99:99",
  "true",
  "[]",
  "{\"$gt\":\"\"}",
  "null",
  "__proto__",
  "constructor",
  " ",
  "\r\n\r\nX-Injected: 1",
  "a@",
  "@b.it",
  "${7*7}{{7*7}}",
  "%s%s%s%n",
];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PAYLOADS) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 60_000 }).map((n) => "é".repeat(n)) },
);
const sent: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 6, arbitrary: text.map((t) => ({ text: t })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map((bytes) => ({ bytes })) },
);
/** What happens to one field: a value, the same field twice, or nothing at all. */
const fieldFate = fc.oneof(
  { weight: 6, arbitrary: sent.map((v) => [v]) },
  { weight: 1, arbitrary: fc.tuple(sent, sent).map(([a, b]) => [a, b]) },
  { weight: 1, arbitrary: fc.constant([] as Sent[]) },
);

function percentEncode(value: Sent): string {
  const bytes = "text" in value ? Buffer.from(value.text, "utf8") : Buffer.from(value.bytes);
  let out = "";
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function encodePairs(pairs: [string, Sent][]): string {
  return pairs.map(([name, value]) => `${percentEncode({ text: name })}=${percentEncode(value)}`).join("&");
}

/** Markup we sent that came back as live elements: a script or an event handler a browser would run. */
function reflected(values: Sent[], body: string): string | undefined {
  if (!values.some((v) => "text" in v && /alert\(1\)/.test(v.text))) return undefined;
  const doc = parseDocument(body);
  const live = DomUtils.findOne(
    (e) => (e.name === "script" && DomUtils.textContent(e).includes("alert(1)")) || Object.entries(e.attribs).some(([k, v]) => /^on/.test(k) && v.includes("alert(1)")),
    doc.children,
  );
  return live ? `<${live.name} ${Object.keys(live.attribs).join(" ")}>` : undefined;
}

interface Outcome {
  status: number;
  problem?: string;
}

async function check(response: Response, values: Sent[]): Promise<Outcome> {
  const type = response.headers.get("content-type") ?? "";
  const body = type.startsWith("text/") || type.includes("json") || type.includes("xml") ? await response.text() : (await response.arrayBuffer(), "");
  if (response.status >= 500) return { status: response.status, problem: `status ${response.status}: ${body.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").slice(0, 200)}` };
  const echo = reflected(values, body);
  if (echo) return { status: response.status, problem: `reflected ${echo}` };
  if (response.status >= 400 && type.startsWith("text/html") && !/<h1[\s>]/.test(body)) return { status: response.status, problem: "4xx page without a heading" };
  if (/\n\s+at \S+ \(|node_modules\//.test(body)) return { status: response.status, problem: "stack trace in the page" };
  return { status: response.status };
}

const figures = { requests: 0, statuses: new Map<number, number>() };

async function send(url: URL, init: RequestInit, values: Sent[]): Promise<Outcome> {
  figures.requests += 1;
  const outcome = await check(await fetch(url, { redirect: "manual", ...init }), values);
  figures.statuses.set(outcome.status, (figures.statuses.get(outcome.status) ?? 0) + 1);
  return outcome;
}

describe("hostile input to every form and query parameter", () => {
  let site: RunningSite;
  let db: Client;
  let before: Snapshot;
  let learnerCookie: string;
  let adminCookie: string;
  let anonymousForms: FoundForm[] = [];
  let learnerForms: FoundForm[] = [];
  let adminForms: FoundForm[] = [];
  const queryTargets = new Map<string, Set<string>>();

  beforeAll(async () => {
    // No background jobs: anything that changes now was caused by a request.
    site = await startSite({ WORKER: "off" });
    await useSiteDatabase(site);
    db = createClient({ url: site.databaseUrl });
    learnerCookie = (await signedInAs(site, "learner")).cookie;
    adminCookie = (await signedInAs(site, "admin")).cookie;

    const anonymous = await crawl(site.baseUrl, { limit: 200 });
    // Enrol the learner in every course (a plain form post with its defaults) so lessons and quizzes show their forms.
    const courses = await crawl(site.baseUrl, { cookie: learnerCookie, start: ["/formazione"], limit: 30, skip: (p) => !p.startsWith("/formazione") });
    for (const form of courses.forms.filter((f) => f.method === "post" && /^\/formazione\/[^/]+$/.test(new URL(f.action, site.baseUrl).pathname))) {
      await fetch(new URL(form.action, site.baseUrl), {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: site.baseUrl, cookie: learnerCookie },
        body: new URLSearchParams(form.fields.map((f) => [f.name, f.value])),
      });
    }
    const learner = await crawl(site.baseUrl, { cookie: learnerCookie, start: ["/formazione", "/account"], limit: 120, skip: (p) => p.startsWith("/esci") });
    const admin = await crawl(site.baseUrl, { cookie: adminCookie, start: ["/gestione"], limit: 150, skip: (p) => !p.startsWith("/gestione") });

    const post = (forms: FoundForm[]) => {
      const unique = new Map<string, FoundForm>();
      for (const f of forms.filter((f) => f.method === "post")) unique.set(`${f.action}|${f.fields.map((x) => x.name).join(",")}`, f);
      return [...unique.values()];
    };
    // Leaving, deleting one's account or signing out everywhere are legitimate changes, not input handling.
    const destructive = (f: FoundForm) => /\/(esci|elimina|esci-ovunque)\b/.test(f.action);
    anonymousForms = post(anonymous.forms).filter((f) => !destructive(f));
    learnerForms = post(learner.forms).filter((f) => !destructive(f));
    adminForms = post(admin.forms).filter((f) => !destructive(f));

    for (const result of [anonymous, learner, admin]) {
      for (const [path, names] of result.queryParams) {
        const set = queryTargets.get(path) ?? new Set<string>();
        names.forEach((n) => set.add(n));
        queryTargets.set(path, set);
      }
      for (const form of result.forms.filter((f) => f.method === "get")) {
        const path = new URL(form.action, site.baseUrl).pathname;
        const set = queryTargets.get(path) ?? new Set<string>();
        form.fields.forEach((f) => set.add(f.name));
        queryTargets.set(path, set);
      }
    }
    // Links that arrive by email or from other sites rather than from a page.
    const known: [string, string[]][] = [
      ["/reimposta-password", ["token"]],
      ["/account/verifica", ["token"]],
      ["/avvisi/conferma", ["token"]],
      ["/avvisi/preferenze", ["token"]],
      ["/avvisi/disiscrizione", ["token"]],
      ["/attestati/verifica", ["codice"]],
      ["/accessibilita/segnala", ["pagina"]],
      ["/accedi", ["next", "ritorno"]],
    ];
    for (const [path, names] of known) {
      const set = queryTargets.get(path) ?? new Set<string>();
      names.forEach((n) => set.add(n));
      queryTargets.set(path, set);
    }
    before = await takeSnapshot(db);
  }, 300_000);

  afterAll(async () => {
    if (before) {
      recordFigure("fuzz", {
        runsPerProperty: RUNS,
        requests: figures.requests,
        statuses: Object.fromEntries([...figures.statuses].sort(([a], [b]) => a - b)),
        forms: { anonymous: anonymousForms.length, learner: learnerForms.length, backOffice: adminForms.length },
        queryPaths: queryTargets.size,
        queryParameters: [...queryTargets.values()].reduce((n, s) => n + s.size, 0),
        rowsChecked: rowsIn(before),
      });
    }
    db?.close();
    await site?.stop();
  });

  it("finds the site's forms and query parameters", () => {
    expect(anonymousForms.map((f) => new URL(f.action, site.baseUrl).pathname)).toEqual(expect.arrayContaining(["/accessibilita/segnala", "/accedi", "/registrati"]));
    expect(learnerForms.length).toBeGreaterThan(0);
    expect(adminForms.length).toBeGreaterThan(0);
    expect(queryTargets.size).toBeGreaterThan(5);
  });

  it("answers hostile query strings with a page or a 4xx, never a 5xx", async () => {
    const targets = [...queryTargets].map(([path, names]) => ({ path, names: [...names] }));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets).chain((t) => fc.record({ target: fc.constant(t), fates: fc.array(fieldFate, { minLength: t.names.length, maxLength: t.names.length }), signedIn: fc.boolean() })),
        async ({ target, fates, signedIn }) => {
          const pairs: [string, Sent][] = target.names.flatMap((name, i) => fates[i]!.map((v) => [name, v] as [string, Sent]));
          const url = new URL(target.path, site.baseUrl);
          url.search = encodePairs(pairs);
          const outcome = await send(url, { headers: signedIn ? { cookie: adminCookie } : {} }, pairs.map((p) => p[1]));
          expect(outcome.problem, `${url.pathname}?${url.search.slice(0, 300)}`).toBeUndefined();
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("answers hostile path segments with a 404 page or a normal page, never a 5xx", async () => {
    const prefixes = ["/convenzioni/", "/soggetti-aggregatori/", "/sala-stampa/", "/formazione/", "/formazione/aggregatori-e-convenzioni/", "/attestati/", "/allegati/", "/badges/assertions/", "/gestione/comunicati/", "/gestione/catalogo/convenzioni/", "/gestione/avvisi/", "/iniziative-congiunte/", "/piani-attivita/"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...prefixes), sent, fc.boolean(), async (prefix, value, signedIn) => {
        const url = `${site.baseUrl}${prefix}${percentEncode(value)}`;
        const outcome = await send(new URL(url), { headers: signedIn ? { cookie: adminCookie } : {} }, [value]);
        expect(outcome.problem, url.slice(0, 300)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  // Free text a signed-in person types (a name, a press release) is legitimate content that may change
  // what is stored; fields with a fixed domain (ids, choices, answers, dates, numbers, addresses,
  // the current password) must refuse anything outside it, so only those get hostile values.
  const constrained = (type: string) => ["hidden", "select", "radio", "checkbox", "date", "datetime-local", "number", "email", "url", "password"].includes(type);

  /** Posts `form` with hostile values in the chosen fields (others keep their defaults). */
  async function fuzzForm(form: FoundForm, fates: Sent[][], fuzzable: (type: string) => boolean, cookie?: string): Promise<Outcome | undefined> {
    const pairs: [string, Sent][] = [];
    let changed = 0;
    form.fields.forEach((field, i) => {
      if (fuzzable(field.type) && fates[i]) {
        changed += 1;
        for (const v of fates[i]!) pairs.push([field.name, v]);
      } else if (field.value !== "" || field.type !== "checkbox") {
        pairs.push([field.name, { text: field.value }]);
      }
    });
    if (changed === 0) return undefined;
    return send(
      new URL(form.action, site.baseUrl),
      {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: site.baseUrl, ...(cookie ? { cookie } : {}) },
        body: encodePairs(pairs),
      },
      pairs.map((p) => p[1]),
    );
  }

  const formArbitrary = (forms: () => FoundForm[]) =>
    fc.integer({ min: 0, max: 10_000 }).chain((n) => {
      const list = forms();
      const form = list[n % list.length]!;
      // Each field is either left at its default (null) or given a hostile fate.
      return fc.record({ form: fc.constant(form), fates: fc.array(fc.option(fieldFate, { nil: undefined, freq: 3 }), { minLength: form.fields.length, maxLength: form.fields.length }) });
    });

  /** One property: a random form of `forms()`, some of its `fuzzable` fields hostile, posted with `cookie`. */
  const formsHold = (forms: () => FoundForm[], fuzzable: (type: string) => boolean, cookie?: () => string) =>
    fc.assert(
      fc.asyncProperty(formArbitrary(forms), async ({ form, fates }) => {
        const outcome = await fuzzForm(form, fates as Sent[][], fuzzable, cookie?.());
        expect(outcome?.problem, `${form.action} ${JSON.stringify(fates).slice(0, 300)}`).toBeUndefined();
      }),
      { numRuns: RUNS },
    );

  it("answers hostile posts to public forms without a 5xx", () => formsHold(() => anonymousForms, () => true));

  it("answers hostile posts to a learner's forms (lessons, quizzes, account) without a 5xx", () => formsHold(() => learnerForms, constrained, () => learnerCookie));

  it("answers hostile posts to back-office forms without a 5xx", () => formsHold(() => adminForms, constrained, () => adminCookie));

  it("changed no row that was stored before the burst", async () => {
    expect(await sameRowsAs(db, before)).toEqual(before);
    expect(rowsIn(before)).toBeGreaterThan(50);
  });
});
