import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  catalogQueryString,
  compareConventions,
  conventionMatchesQuery,
  parseCatalogQuery,
  saveAggregator,
  saveConvention,
  searchConventions,
  type CatalogQuery,
  type ConventionSummary,
} from "@/catalog";
import { addDays } from "@/lib/dates";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

/** The seed's example dates are laid out around this day. */
const TODAY = "2026-11-24";

const q = (params: string): CatalogQuery => parseCatalogQuery(new URLSearchParams(params)).query;
const search = (params: string, pageSize?: number) => searchConventions(q(params), { today: TODAY, pageSize });

describe("catalog query layer", () => {
  let db: TestDatabase;
  let all: ConventionSummary[];

  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
    await saveConvention(
      {
        slug: "attivita-formative-test",
        aggregator: "intercent-er",
        category: "facility-management",
        instrument: "accordo_quadro",
        title: "Servizi per le attività di sportello",
        summary: "Gestione delle attività di sportello e della città universitaria",
        description: "",
        status: "active",
        startDate: "2026-01-01",
        endDate: "2027-12-31",
        example: true,
        lots: [{ number: 1, name: "Lotto unico", region: "Emilia-Romagna", territory: "Bologna e provincia", supplier: "Cooperativa Quàrtiere Esempio" }],
      },
      { upsert: true },
    );
    all = (await search("", 10_000)).items;
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("holds enough seeded conventions to exercise filters and pagination", () => {
    expect(all.length).toBeGreaterThan(40);
    expect(new Set(all.map((c) => c.status)).size).toBe(5);
    expect(new Set(all.map((c) => c.instrumentType)).size).toBe(4);
  });

  it.each([
    ["categoria=pulizia-uffici", (c: ConventionSummary) => c.category.id === "pulizia-uffici"],
    ["tipo=accordo-quadro", (c: ConventionSummary) => c.instrumentType === "accordo_quadro"],
    ["soggetto=consip", (c: ConventionSummary) => c.aggregator.id === "consip"],
    ["stato=attiva", (c: ConventionSummary) => c.status === "active"],
    ["stato=gara-in-corso&soggetto=citta-metropolitana-milano", (c: ConventionSummary) => c.status === "tender_in_progress" && c.aggregator.id === "citta-metropolitana-milano"],
    ["regione=Lombardia", (c: ConventionSummary) => c.regions.includes("Lombardia") || c.regions.includes("Italia")],
    ["regione=Italia", (c: ConventionSummary) => c.regions.includes("Italia")],
    [
      "scadenza=90",
      (c: ConventionSummary) => c.status === "active" && c.endDate !== null && c.endDate >= TODAY && c.endDate <= addDays(TODAY, 90),
    ],
  ])("filters %s exactly like an independent check over all rows", async (params, predicate) => {
    const result = await search(params, 10_000);
    const expected = all.filter(predicate).map((c) => c.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(result.items.map((c) => c.id).sort()).toEqual(expected);
    expect(result.total).toBe(expected.length);
  });

  it("filters by CPV code, full or by its leading digits", async () => {
    const full = await search("cpv=45233141-9", 1000);
    expect(full.total).toBeGreaterThan(0);
    expect(full.items.every((c) => c.category.id === "manutenzione-strade")).toBe(true);
    const prefix = await search("cpv=909", 1000);
    expect(prefix.items.map((c) => c.category.id)).toEqual(expect.arrayContaining(["pulizia-uffici"]));
    expect(prefix.items.every((c) => c.category.id === "pulizia-uffici")).toBe(true);
  });

  it("finds words with or without accents and from their first letters", async () => {
    const accented = await search("q=attività");
    const plain = await search("q=attivita");
    expect(plain.items.map((c) => c.slug)).toContain("attivita-formative-test");
    expect(accented.items.map((c) => c.slug)).toEqual(plain.items.map((c) => c.slug));
    expect((await search("q=pulizìa")).total).toBe((await search("q=pulizia")).total);
    const partial = await search("q=vigil", 1000);
    expect(partial.total).toBeGreaterThan(0);
    expect(partial.items.map((c) => c.id).sort()).toEqual((await search("q=vigilanza", 1000)).items.map((c) => c.id).sort());
    expect(partial.items.map((c) => c.id)).toEqual(expect.arrayContaining(all.filter((c) => /vigilanza/i.test(c.title)).map((c) => c.id)));
    expect((await search("q=quartiere")).items.map((c) => c.slug)).toEqual(["attivita-formative-test"]);
    expect((await search("q=città universitar")).items.map((c) => c.slug)).toEqual(["attivita-formative-test"]);
  });

  it("searches aggregator names, lot territories and suppliers, requiring every word", async () => {
    const milan = await search("q=metropolitana milano", 1000);
    expect(milan.items.map((c) => c.slug).sort()).toEqual(["pulizia-uffici-ridotto-impatto-cm-milano", "vigilanza-armata-cm-milano"]);
    // The cleaning tender's description mentions the security one; the title match ranks first.
    expect((await search("q=vigilanza milano")).items.map((c) => c.slug)).toEqual(["vigilanza-armata-cm-milano", "pulizia-uffici-ridotto-impatto-cm-milano"]);
    expect((await search("q=parolachenonesiste")).total).toBe(0);
  });

  it("keeps the full-text index in step with edits to conventions, lots and aggregators", async () => {
    const base = {
      slug: "indice-sincronizzato",
      aggregator: "provincia-vicenza",
      category: "gas-naturale",
      instrument: "convenzione" as const,
      title: "Fornitura zeppelin",
      summary: "",
      description: "",
      status: "active" as const,
      example: true,
      lots: [{ number: 1, name: "Lotto unico", region: "Veneto", territory: "", supplier: "Ditta Quokka" }],
    };
    await saveConvention(base, { upsert: true });
    expect((await search("q=zeppelin")).total).toBe(1);
    expect((await search("q=quokka")).total).toBe(1);
    await saveConvention({ ...base, title: "Fornitura dirigibile", lots: [] }, { upsert: true });
    expect((await search("q=zeppelin")).total).toBe(0);
    expect((await search("q=quokka")).total).toBe(0);
    expect((await search("q=dirigibile")).total).toBe(1);
    await saveAggregator({
      id: "provincia-vicenza",
      name: "Provincia berica di Vicenza",
      shortName: "Provincia di Vicenza",
      kind: "province",
      region: "Veneto",
      territory: "Provincia di Vicenza",
      description: "",
      example: false,
    });
    expect((await search("q=berica dirigibile")).total).toBe(1);
  });

  it("sorts by expiry, title and recency", async () => {
    const byExpiry = (await search("ordina=scadenza", 1000)).items.map((c) => c.endDate);
    const dated = byExpiry.filter((d): d is string => d !== null);
    expect(dated).toEqual([...dated].sort());
    expect(byExpiry.slice(dated.length).every((d) => d === null)).toBe(true);
    const titles = (await search("ordina=titolo", 1000)).items.map((c) => c.title.toLowerCase());
    expect(titles).toEqual([...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const recent = (await search("", 1000)).items.map((c) => c.publishedOn ?? c.startDate ?? "");
    expect(recent).toEqual([...recent].sort().reverse());
  });

  it("ranks by relevance when searching, title matches first", async () => {
    const parsed = q("q=vigilanza");
    expect(parsed.sort).toBe("rilevanza");
    const items = (await searchConventions(parsed, { today: TODAY })).items;
    expect(items[0]!.title.toLowerCase()).toContain("vigilanza");
  });

  it("paginates without overlap and clamps a page beyond the end", async () => {
    const first = await search("");
    const second = await search("pagina=2");
    expect(first.items).toHaveLength(20);
    expect(first.pageCount).toBe(Math.ceil(all.length / 20));
    expect(new Set([...first.items, ...second.items].map((c) => c.id)).size).toBe(first.items.length + second.items.length);
    const beyond = await search("pagina=500");
    expect(beyond.pageOutOfRange).toBe(true);
    expect(beyond.page).toBe(first.pageCount);
    expect(beyond.items.length).toBeGreaterThan(0);
    const none = await search("q=parolachenonesiste&pagina=3");
    expect(none).toMatchObject({ total: 0, page: 1, items: [], pageOutOfRange: true });
  });

  it("turns bad parameters into error messages, one each, and leaves them out of the query", () => {
    const parsed = parseCatalogQuery(
      new URLSearchParams({
        stato: "cancellata",
        pagina: "99999",
        q: "x".repeat(201),
        tipo: "appalto",
        regione: "Atlantide",
        cpv: "12ab",
        categoria: "../../etc/passwd",
        ordina: "prezzo",
        scadenza: "30",
        fornitore: "x".repeat(81),
        "attivazione-dal": "2026-02-30",
        "scadenza-dal": "2027-01-01",
        "scadenza-al": "2026-01-01",
      }),
    );
    expect(parsed.query).toEqual({ sort: "recenti", page: 1 });
    expect(parsed.messages).toHaveLength(12);
    for (const m of parsed.messages) expect(m).toMatch(/non (?:esiste|è valid)|troppo lungo|deve essere|accetta solo|prima data viene dopo/);
  });

  it("never passes raw text to MATCH: any input searches or finds nothing, never throws", async () => {
    for (const text of ['"', "*", "NEAR(a b)", "title:pulizia", "' OR 1=1 --", "pulizia AND NOT vigilanza", "^start", "a\u0000b", "(((", "💥 città"]) {
      const result = await searchConventions(q(`q=${encodeURIComponent(text)}`), { today: TODAY });
      expect(result.total).toBeGreaterThanOrEqual(0);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60, unit: "grapheme" }), async (text) => {
        const { query } = parseCatalogQuery(new URLSearchParams({ q: text }));
        const result = await searchConventions(query, { today: TODAY });
        expect(result.page).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 150 },
    );
  });

  it("round-trips a query through its canonical query string", () => {
    const original = "q=pulizia uffici&categoria=pulizia-uffici&tipo=sda&soggetto=consip&regione=Emilia-Romagna&stato=attiva&scadenza=90&ordina=scadenza&cpv=909";
    const query = q(original);
    expect(q(catalogQueryString(query))).toEqual({ ...query, page: 1 });
    expect(catalogQueryString(q(""))).toBe("");
  });

  it("answers conventionMatchesQuery exactly like the search", async () => {
    for (const params of ["categoria=pulizia-uffici&regione=Lombardia", "q=vigil", "scadenza=90", "stato=in-programma&tipo=convenzione", ""]) {
      const query = q(params);
      const expected = new Set((await searchConventions(query, { today: TODAY, pageSize: 1000 })).items.map((c) => c.id));
      for (const c of all) {
        expect({ params, id: c.id, match: await conventionMatchesQuery(query, c.id, { today: TODAY }) }).toEqual({ params, id: c.id, match: expected.has(c.id) });
      }
    }
  });

  it("compares the national and the regional offer for a category and a region", async () => {
    const { national, regional } = await compareConventions("pulizia-uffici", "Lombardia");
    expect(national.length).toBeGreaterThan(0);
    expect(national.every((c) => c.aggregator.kind === "national" && c.category.id === "pulizia-uffici")).toBe(true);
    expect(regional.map((c) => c.slug)).toContain("pulizia-uffici-ridotto-impatto-cm-milano");
    expect(regional.every((c) => c.aggregator.kind !== "national" && c.category.id === "pulizia-uffici")).toBe(true);
    expect(regional.every((c) => c.aggregator.region === "Lombardia" || c.regions.includes("Lombardia"))).toBe(true);
    expect(national.every((c) => c.regions.includes("Lombardia") || c.regions.includes("Italia"))).toBe(true);
    const molise = await compareConventions("pulizia-uffici", "Molise");
    expect(molise.regional).toEqual([]);
    // The national cleaning convention has lots for three regions only, none in Molise.
    expect(molise.national.map((c) => c.slug)).not.toContain("esempio-pulizia-uffici-consip-nazionale");
  });

  it("loads lots in batch with the page", async () => {
    const result = await search("soggetto=consip", 1000);
    const withLots = result.items.filter((c) => c.lots.length > 1);
    expect(withLots.length).toBeGreaterThan(0);
    for (const c of withLots) expect(c.lots.map((l) => l.number)).toEqual([...c.lots.map((l) => l.number)].sort((a, b) => a - b));
  });
});
