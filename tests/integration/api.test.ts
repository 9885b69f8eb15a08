/**
 * The read API's router on a real database: parameters validated by the same
 * zod schemas that the OpenAPI document is made of, cursor pages, ETag,
 * CORS, rate limits and bilingual problem documents.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, overrideConfig } from "@/config";
import { apiResponse } from "@/interop/api/http";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let client = 0;
const call = (pathAndQuery: string, init: RequestInit & { client?: string } = {}) => {
  const url = new URL(pathAndQuery, "http://127.0.0.1:4321");
  return apiResponse(new Request(url, init), url, init.client ?? `10.0.0.${++client % 250}`);
};

describe("read API", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    overrideConfig({});
    await db.cleanup();
  });

  it("walks every convention matching the catalog's filters with a cursor, without repeats or gaps", async () => {
    const total = Number((await db.client.execute("SELECT count(*) AS n FROM conventions WHERE status = 'active'")).rows[0]!.n);
    expect(total).toBeGreaterThan(3);
    const seen: number[] = [];
    let next: string | null = "/api/v1/convenzioni?stato=attiva&limite=3";
    while (next) {
      const response = await call(next);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { data: { id: number; status: string }[]; next: string | null; nextUrl: string | null };
      expect(page.data.length).toBeLessThanOrEqual(3);
      expect(page.data.every((c) => c.status === "active")).toBe(true);
      seen.push(...page.data.map((c) => c.id));
      next = page.nextUrl ? new URL(page.nextUrl).pathname + new URL(page.nextUrl).search : null;
    }
    expect(seen).toHaveLength(total);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(new Set(seen).size).toBe(total);
  });

  it("answers one convention with its lots, and 404 for one that does not exist", async () => {
    const response = await call("/api/v1/convenzioni/vigilanza-armata-cm-milano");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ slug: "vigilanza-armata-cm-milano", aggregator: { id: "citta-metropolitana-milano" }, isExample: false });
    expect(body.lots[0]).toMatchObject({ number: 1, region: "Lombardia" });
    const missing = await call("/api/v1/convenzioni/non-esiste");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
  });

  it("refuses bad parameters with a problem document in Italian, or in English when asked", async () => {
    const it = await call("/api/v1/convenzioni?stato=boh&limite=1000&colore=blu");
    expect(it.status).toBe(400);
    expect(it.headers.get("content-language")).toBe("it");
    const body = await it.json();
    expect(body).toMatchObject({ type: "about:blank", status: 400, title: "Parametri non validi", instance: "/api/v1/convenzioni" });
    expect(body.errors.map((e: { parameter: string }) => e.parameter).sort()).toEqual(["colore", "limite", "stato"]);
    expect(body.errors.find((e: { parameter: string }) => e.parameter === "stato").message).toMatch(/^Valore non ammesso\. Valori ammessi: in-programma, /);
    expect(body.errors.find((e: { parameter: string }) => e.parameter === "limite").message).toBe("Deve essere al massimo 100.");

    const en = await call("/api/v1/convenzioni?stato=boh", { headers: { "Accept-Language": "en-GB,en;q=0.9,it;q=0.5" } });
    expect(en.headers.get("content-language")).toBe("en");
    expect(await en.json()).toMatchObject({ title: "Invalid parameters", errors: [{ parameter: "stato", message: expect.stringMatching(/^Value not allowed/) }] });

    const cursor = await (await call("/api/v1/categorie?cursore=abc")).json();
    expect(cursor.errors).toEqual([{ parameter: "cursore", message: "Cursore non valido: usa il valore next di una pagina." }]);
    const repeated = await (await call("/api/v1/piani?anno=2026&anno=2027")).json();
    expect(repeated.errors[0]).toEqual({ parameter: "anno", message: "Parametro ripetuto: indicalo una volta sola." });
    const empty = await (await call("/api/v1/convenzioni?q=%2B%2B")).json();
    expect(empty.errors).toEqual([{ parameter: "q", message: "Il testo cercato non contiene parole utili." }]);
  });

  it("answers unknown paths with 404 and other methods with 405, both as problems", async () => {
    const unknown = await call("/api/v1/fornitori");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).detail).toContain("/api/v1/openapi.json");
    const post = await call("/api/v1/convenzioni", { method: "POST", body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect((await post.json()).detail).toBe("Questa API è in sola lettura: usa GET.");
  });

  it("sends an ETag, answers 304 to If-None-Match, and allows any origin to read", async () => {
    const first = await call("/api/v1/soggetti-aggregatori", { headers: { Origin: "https://altro.example" } });
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await call("/api/v1/soggetti-aggregatori", { headers: { "If-None-Match": etag } })).status).toBe(304);
    await db.client.execute("UPDATE aggregators SET description = description || ' Aggiornato.' WHERE id = 'consip'");
    const changed = await call("/api/v1/soggetti-aggregatori", { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);

    const preflight = await call("/api/v1/convenzioni", { method: "OPTIONS", headers: { Origin: "https://altro.example", "Access-Control-Request-Method": "GET" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, HEAD, OPTIONS");
  });

  it("limits each client separately and says when to retry", async () => {
    overrideConfig({ API_RATE_LIMIT_PER_MINUTE: "3" });
    try {
      for (let i = 0; i < 3; i++) expect((await call("/api/v1/categorie", { client: "192.0.2.1" })).status).toBe(200);
      const limited = await call("/api/v1/categorie", { client: "192.0.2.1", headers: { "Accept-Language": "en" } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await limited.json()).detail).toMatch(/^You exceeded the 3 requests per minute/);
      expect((await call("/api/v1/categorie", { client: "192.0.2.2" })).status).toBe(200);
    } finally {
      overrideConfig({});
    }
    expect(config().API_RATE_LIMIT_PER_MINUTE).toBe(300);
  });

  it("never exposes quiz answers in the courses", async () => {
    const body = await (await call("/api/v1/corsi")).json();
    expect(body.data.length).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toMatch(/"correct"|"quiz"/);
  });
});
