/** The anonymous-page micro-cache in front of the Astro handler, on a real node:http server. */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { withMicroCache } from "@/lib/microcache";

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A handler that answers like Astro's adapter (writeHead with headers, then streamed chunks) and counts its calls. */
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  /** Milliseconds before the answer starts. */
  delayMs?: number;
}

async function serve(ttlMs: number, answer: (req: http.IncomingMessage) => Answer = () => ({})) {
  const calls: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    calls.push(`${req.method} ${req.url}`);
    const { status = 200, headers = {}, delayMs = 0 } = answer(req);
    const n = calls.length;
    setTimeout(() => {
      res.setHeader("x-content-type-options", "nosniff");
      res.writeHead(status, { "content-type": "text/html; charset=utf-8", "x-request-id": `id-${n}`, ...headers });
      res.write(`<p>risposta ${n}`);
      res.end(` per ${req.url}</p>`);
    }, delayMs);
  };
  server = http.createServer(withMicroCache(handler, { ttlMs }));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  return { calls, get };
}

describe("micro-cache", () => {
  it("answers a repeated anonymous GET from memory with the same bytes and headers and a new request id", async () => {
    const { calls, get } = await serve(5_000);
    const first = await get("/convenzioni?q=pulizia");
    const second = await get("/convenzioni?q=pulizia");
    expect(calls).toEqual(["GET /convenzioni?q=pulizia"]);
    expect(second.body).toBe(first.body);
    expect(second.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(second.headers.get("x-content-type-options")).toBe("nosniff");
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    await get("/convenzioni?q=vigilanza");
    expect(calls).toHaveLength(2);
  });

  it("renders again once the entry is older than the TTL", async () => {
    const { calls, get } = await serve(50);
    await get("/");
    // The wait is what is tested: the entry's 50 ms TTL running out on the real clock.
    await new Promise((r) => setTimeout(r, 80));
    const again = await get("/");
    expect(calls).toHaveLength(2);
    expect(again.body).toContain("risposta 2");
  });

  it("never serves or keeps anything personal: the session cookie, authorization, Set-Cookie, private answers, other methods", async () => {
    const { calls, get } = await serve(5_000, (req): Answer =>
      req.url === "/imposta" ? { headers: { "set-cookie": "a=b" } } : req.url === "/privata" ? { headers: { "cache-control": "private" } } : {},
    );
    await get("/");
    await get("/", { headers: { cookie: "aggrega_sessione=x" } });
    await get("/", { headers: { authorization: "Bearer x" } });
    await get("/", { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    for (const path of ["/imposta", "/imposta", "/privata", "/privata"]) await get(path);
    expect(calls).toEqual(["GET /", "GET /", "GET /", "POST /", "GET /imposta", "GET /imposta", "GET /privata", "GET /privata"]);
  });

  it("serves the cached bytes to a visitor with only other cookies (consent, analytics), never to one with the session cookie", async () => {
    const { calls, get } = await serve(5_000);
    const first = await get("/convenzioni");
    const consent = await get("/convenzioni", { headers: { cookie: "consenso=1; _pk_id.1=abc" } });
    expect(consent.body).toBe(first.body);
    expect(calls).toHaveLength(1);
    const signedIn = await get("/convenzioni", { headers: { cookie: "consenso=1; aggrega_sessione=x" } });
    const alone = await get("/convenzioni", { headers: { cookie: "aggrega_sessione=y" } });
    expect(calls).toHaveLength(3);
    expect(signedIn.body).not.toBe(first.body);
    expect(alone.body).not.toBe(first.body);
    // A cookie whose name only ends like the session cookie's is another cookie.
    expect((await get("/convenzioni", { headers: { cookie: "non_aggrega_sessione=z" } })).body).toBe(first.body);
    expect(calls).toHaveLength(3);
  });

  it("keeps only successful HTML: errors and other content types are rendered every time", async () => {
    const { calls, get } = await serve(5_000, (req): Answer =>
      req.url === "/manca" ? { status: 404 } : req.url === "/feed.xml" ? { headers: { "content-type": "application/rss+xml" } } : {},
    );
    for (const path of ["/manca", "/manca", "/feed.xml", "/feed.xml"]) await get(path);
    expect(calls).toHaveLength(4);
  });

  it("renders a page once for a burst of identical requests, and serves the expired copy while it renders again", async () => {
    const { calls, get } = await serve(100, () => ({ delayMs: 150 }));
    const burst = await Promise.all(Array.from({ length: 20 }, () => get("/convenzioni")));
    expect(calls).toHaveLength(1);
    expect(new Set(burst.map((r) => r.body))).toEqual(new Set(["<p>risposta 1 per /convenzioni</p>"]));
    // The wait is what is tested: the entry's 100 ms TTL running out, so the next burst finds it expired.
    await new Promise((r) => setTimeout(r, 150));
    const second = await Promise.all(Array.from({ length: 10 }, () => get("/convenzioni")));
    expect(calls).toHaveLength(2);
    // The request that renders gets the new page; the others, meanwhile, the expired one.
    expect(second.filter((r) => r.body.includes("risposta 2"))).toHaveLength(1);
    expect(second.filter((r) => r.body.includes("risposta 1"))).toHaveLength(9);
  });

  it("lets waiting requests render for themselves when the first answer cannot be kept", async () => {
    const { calls, get } = await serve(5_000, (): Answer => ({ delayMs: 100, headers: { "set-cookie": "a=b" } }));
    await Promise.all(Array.from({ length: 5 }, () => get("/personale")));
    expect(calls).toHaveLength(5);
  });

  it("forgets everything after a request that may write", async () => {
    const { calls, get } = await serve(5_000);
    await get("/sala-stampa");
    await get("/sala-stampa/nuovo", { method: "POST", body: "", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await get("/sala-stampa");
    expect(calls).toEqual(["GET /sala-stampa", "POST /sala-stampa/nuovo", "GET /sala-stampa"]);
  });

  it("is off with a TTL of 0", async () => {
    const { calls, get } = await serve(0);
    await get("/");
    await get("/");
    expect(calls).toHaveLength(2);
  });
});

describe("micro-cache under abuse", () => {
  it("keeps its entries when a post is refused, and clears them after a successful write", async () => {
    const { calls, get } = await serve(5_000, (req): Answer => (req.url === "/rifiutato" ? { status: 403 } : req.url === "/troppo" ? { status: 413 } : {}));
    await get("/sala-stampa");
    await get("/rifiutato", { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await get("/troppo", { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await get("/sala-stampa");
    expect(calls).toEqual(["GET /sala-stampa", "POST /rifiutato", "POST /troppo"]);
    await get("/salvato", { method: "POST", body: "a=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    await get("/sala-stampa");
    expect(calls).toEqual(["GET /sala-stampa", "POST /rifiutato", "POST /troppo", "POST /salvato", "GET /sala-stampa"]);
  });

  it("shares one entry between orderings of the same parameters and ignores parameters no page reads", async () => {
    const { calls, get } = await serve(5_000);
    await get("/convenzioni?q=pulizia&pagina=2");
    await get("/convenzioni?pagina=2&q=pulizia");
    await get("/convenzioni?pagina=2&q=pulizia&utm_source=posta");
    for (let i = 0; i < 5; i++) await get(`/convenzioni?q=pulizia&pagina=2&zz${i}=${Math.random()}`);
    expect(calls).toEqual(["GET /convenzioni?q=pulizia&pagina=2"]);
    await get("/convenzioni?q=pulizia&pagina=3");
    expect(calls).toHaveLength(2);
  });

  it("knows every query parameter a page or a helper reads", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const { KNOWN_QUERY_PARAMETERS } = await import("@/lib/microcache");
    const files = (await readdir("src", { recursive: true })).filter((f) => /\.(ts|astro)$/.test(f));
    const read = new Set<string>();
    for (const file of files) {
      const text = await readFile(`src/${file}`, "utf8");
      if (!/searchParams|URLSearchParams|parseCatalogQuery|slugField/.test(text)) continue;
      for (const match of text.matchAll(/(?:\.get|\.getAll|\.has|\bget|slugField)\("([a-z_-]+)"/g)) read.add(match[1]!);
      // Parameters named in a table rather than in a call (the catalog's date ranges).
      for (const match of text.matchAll(/\{ name: "([a-z_-]+)", field:/g)) read.add(match[1]!);
    }
    // Header names read with the same calls in those files are not query parameters.
    for (const header of ["origin", "referer", "files", "accept-language", "content-length", "content-type", "if-modified-since", "if-none-match", "sec-fetch-site", "x-aggrega-client-ip", "x-request-id", "aggregators", "categories", "body"]) read.delete(header);
    expect([...read].filter((name) => !KNOWN_QUERY_PARAMETERS.has(name))).toEqual([]);
    expect(read.size).toBeGreaterThan(10);
  });
});
