/**
 * The catalog search as buyers use it: Italian word forms, exact words first,
 * codes typed in the search box, "Forse cercavi", what to relax, facets, and
 * a relevance set measured as recall@5 on the demonstration data.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  catalogFacets,
  conventionMatchesQuery,
  getCatalogPage,
  parseCatalogQuery,
  saveConvention,
  searchConventions,
  spellingSuggestion,
  type CatalogQuery,
} from "@/catalog";
import { openDatabase, useConnection } from "@/lib/db";
import { applyMigrations } from "@/lib/migrate";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { recordFigure } from "../helpers/figures";

/** The seed's example dates are laid out around this day. */
const TODAY = "2026-11-24";
const q = (params: string): CatalogQuery => parseCatalogQuery(new URLSearchParams(params)).query;
const slugs = async (params: string, pageSize = 100) =>
  (await searchConventions(q(params), { today: TODAY, pageSize })).items.map((c) => c.slug);

const e = (slug: string) => `esempio-${slug}`;
const BUONI_PASTO = ["buoni-pasto-elettronici-lazio-1", "buoni-pasto-elettronici-torino-2", "buoni-pasto-elettronici-consip-1", "buoni-pasto-elettronici-toscana-2"].map(e);
const FARMACI = ["farmaci-per-le-aziende-sanitarie-genova-1", "farmaci-per-le-aziende-sanitarie-intercent-er-4", "farmaci-per-le-aziende-sanitarie-lazio-1", "farmaci-per-le-aziende-sanitarie-torino-2"].map(e);
const ENERGIA = ["fornitura-di-energia-elettrica-consip-1", "fornitura-di-energia-elettrica-toscana-2", "fornitura-di-energia-elettrica-bologna-3"].map(e);
const GAS = ["fornitura-di-gas-naturale-torino-4", "fornitura-di-gas-naturale-consip-3", "fornitura-di-gas-naturale-toscana-4", "fornitura-di-gas-naturale-bologna-1"].map(e);
const PC = ["personal-computer-portatili-e-desktop-intercent-er-2", "personal-computer-portatili-e-desktop-lazio-3", "personal-computer-portatili-e-desktop-torino-4", "personal-computer-portatili-e-desktop-consip-3"].map(e);
const TELEFONIA = ["telefonia-mobile-e-trasmissione-dati-lombardia-3", "telefonia-mobile-e-trasmissione-dati-puglia-4", "telefonia-mobile-e-trasmissione-dati-genova-1", "telefonia-mobile-e-trasmissione-dati-intercent-er-4"].map(e);
const STRADE = ["manutenzione-delle-strade-toscana-4", "manutenzione-delle-strade-bologna-1", "manutenzione-delle-strade-vicenza-2", "manutenzione-delle-strade-lombardia-1"].map(e);
const FACILITY = ["facility-management-uffici-puglia-2", "facility-management-uffici-genova-3", "facility-management-uffici-intercent-er-2", "facility-management-uffici-lazio-3"].map(e);
const VIGILANZA_SEDI = ["vigilanza-armata-delle-sedi-bologna-3", "vigilanza-armata-delle-sedi-vicenza-4", "vigilanza-armata-delle-sedi-lombardia-3", "vigilanza-armata-delle-sedi-puglia-4"].map(e);
const PULIZIA_RIDOTTO_IMPATTO = [
  "pulizia-uffici-ridotto-impatto-cm-milano",
  e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-vicenza-2"),
  e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-lombardia-1"),
  e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-puglia-2"),
];
const PULIZIA_CONSIP = e("pulizia-uffici-consip-nazionale");
const CM_MILANO = ["pulizia-uffici-ridotto-impatto-cm-milano", "vigilanza-armata-cm-milano"];

/** Queries written the way buyers type them, and the instruments each must show in its first five results. */
const RELEVANCE_SET: [string, string[]][] = [
  ["buono pasto", BUONI_PASTO],
  ["buoni pasto", BUONI_PASTO],
  ["buono pasto elettronico", BUONI_PASTO],
  ["servizio sostitutivo mensa", BUONI_PASTO],
  ["buoni pasto lazio", [e("buoni-pasto-elettronici-lazio-1")]],
  ["farmaco", FARMACI],
  ["farmaci aziende sanitarie", FARMACI],
  ["prodotto farmaceutico", FARMACI],
  ["farmaci intercent-er", [e("farmaci-per-le-aziende-sanitarie-intercent-er-4")]],
  ["pulizie ecologiche", [PULIZIA_CONSIP, e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-vicenza-2"), e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-lombardia-1")]],
  ["pulizia a ridotto impatto ambientale", PULIZIA_RIDOTTO_IMPATTO],
  ["pulizia uffici consip", [PULIZIA_CONSIP]],
  ["igiene ambientale", [PULIZIA_CONSIP]],
  ["servizi di pulizia milano", ["pulizia-uffici-ridotto-impatto-cm-milano"]],
  ["sistema dinamico pulizie", [e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-vicenza-2")]],
  ["pulizia uffici puglia", [e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-puglia-2")]],
  ["vigilanza armata milano", ["vigilanza-armata-cm-milano"]],
  ["servizi di guardia consip", [e("vigilanza-armata-consip-nazionale")]],
  ["portierato armato", VIGILANZA_SEDI],
  ["trasporto valori", VIGILANZA_SEDI],
  ["energia elettrica", ENERGIA],
  ["elettricità", ENERGIA],
  ["energia verde", ENERGIA],
  ["gas per il riscaldamento", GAS],
  ["fornitura gas naturale consip", [e("fornitura-di-gas-naturale-consip-3")]],
  ["computer portatile", PC],
  ["notebook", PC],
  ["postazione di lavoro", PC],
  ["telefonia mobile", TELEFONIA],
  ["sim dati", TELEFONIA],
  ["manutenzione stradale", STRADE],
  ["segnaletica", STRADE],
  ["strade toscana", [e("manutenzione-delle-strade-toscana-4")]],
  ["facility management", FACILITY],
  ["gestione edifici", FACILITY],
  ["citta metropolitana milano", CM_MILANO],
  ["Città metropolitana di Milano", CM_MILANO],
  ["8A1B2C3D4E", [PULIZIA_CONSIP]],
  ["90919200-4", [...PULIZIA_RIDOTTO_IMPATTO.slice(1), PULIZIA_CONSIP, "pulizia-uffici-ridotto-impatto-cm-milano"]],
  ["30199770-8", BUONI_PASTO],
];

/**
 * Copies every row of `from` into the tables `to` already has, in the columns both have (the FTS index
 * and its shadow tables excepted: the old schema's triggers fill them). One plain connection, so ATTACH holds.
 */
async function copyCommonColumns(from: string, to: string): Promise<void> {
  const client = createClient({ url: `file:${to}` });
  try {
    await client.execute("PRAGMA foreign_keys = OFF");
    await client.execute({ sql: "ATTACH DATABASE ? AS seeded", args: [from] });
    const tables = await client.execute(
      "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name NOT LIKE 'conventions_fts%' ORDER BY rowid",
    );
    for (const { name } of tables.rows as unknown as { name: string }[]) {
      const columns = async (schema: string) => (await client.execute(`SELECT name FROM pragma_table_info('${name}', '${schema}')`)).rows.map((r) => String(r.name));
      const theirs = new Set(await columns("seeded"));
      const common = (await columns("main")).filter((c) => theirs.has(c)).map((c) => `"${c}"`).join(", ");
      if (common) await client.execute(`INSERT OR IGNORE INTO main."${name}" (${common}) SELECT ${common} FROM seeded."${name}"`);
    }
    await client.execute("DETACH DATABASE seeded");
  } finally {
    client.close();
  }
}

describe("catalog search in Italian", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("finds the other forms of a word: singular and plural, as the issue's examples", async () => {
    expect((await slugs("q=buono pasto")).sort()).toEqual([...BUONI_PASTO].sort());
    expect(await slugs("q=buono pasto")).toHaveLength(4);
    expect((await slugs("q=buoni pasto")).sort()).toEqual((await slugs("q=buono pasto")).sort());
    expect((await slugs("q=pulizie")).sort()).toEqual((await slugs("q=pulizia")).sort());
    expect(await slugs("q=pulizia")).toHaveLength(10);
    expect((await slugs("q=farmaco")).sort()).toEqual([...FARMACI].sort());
  });

  it("keeps prefix matching and accent folding", async () => {
    expect(await slugs("q=vigil armat")).toContain("vigilanza-armata-cm-milano");
    expect((await slugs("q=citta metropolitana")).sort()).toEqual((await slugs("q=città metropolitana")).sort());
    expect(await slugs("q=citta metropolitana")).toEqual(expect.arrayContaining(CM_MILANO));
  });

  it("ranks documents with the words as typed above those found by the stem alone", async () => {
    await saveConvention(
      {
        slug: "buono-pasto-cartaceo-test",
        aggregator: "consip",
        category: "buoni-pasto",
        instrument: "convenzione",
        title: "Servizio sostitutivo di mensa",
        summary: "Un buono pasto cartaceo per ogni giornata lavorativa",
        description: "",
        status: "active",
        example: true,
        lots: [],
      },
      { upsert: true },
    );
    const found = await slugs("q=buono pasto");
    expect(found).toHaveLength(5);
    // Its only match is in the summary, the others match in the title, but only by stem ("buoni").
    expect(found[0]).toBe("buono-pasto-cartaceo-test");
    const plural = await slugs("q=buoni pasto");
    expect(plural).toHaveLength(5);
    expect(plural.at(-1)).toBe("buono-pasto-cartaceo-test");
  });

  it("stems new and edited conventions before the next search, alerts included", async () => {
    const base = {
      slug: "carburanti-test",
      aggregator: "consip",
      category: "energia-elettrica",
      instrument: "convenzione" as const,
      title: "Carburanti per autotrazione",
      summary: "Rifornimento dei veicoli di servizio",
      description: "",
      status: "active" as const,
      example: true,
      lots: [],
    };
    const { id } = await saveConvention(base, { upsert: true });
    expect(await slugs("q=carburante")).toEqual(["carburanti-test"]);
    expect(await conventionMatchesQuery(q("q=veicolo"), id, { today: TODAY })).toBe(true);
    await saveConvention({ ...base, title: "Combustibile per caldaie", summary: "Consegna a domicilio" }, { upsert: true });
    expect(await slugs("q=carburante")).toEqual([]);
    expect(await conventionMatchesQuery(q("q=consegne"), id, { today: TODAY })).toBe(true);
    expect(await conventionMatchesQuery(q("q=veicolo"), id, { today: TODAY })).toBe(false);
    const stale = await db.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM catalog_search_stale`);
    expect(Number(stale[0]!.n)).toBe(0);
  });

  it("rebuilds the index of an existing database, every row stemmed, when the migration runs", async () => {
    // A database at the migration before this index, with the demonstration data in it.
    const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-fts-upgrade-"));
    const before = path.join(dir, "migrations");
    await cp(path.join(ROOT, "db/migrations"), before, { recursive: true });
    const journalFile = path.join(before, "meta/_journal.json");
    const journal = JSON.parse(await readFile(journalFile, "utf8")) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === "0009_catalog_fts_stems"));
    await writeFile(journalFile, JSON.stringify(journal));
    const old = await openDatabase(`file:${path.join(dir, "old.db")}`);
    try {
      await old.migrate(before);
      // The demonstration data, copied from the seeded database column by column: seeding through today's code
      // would write columns that later migrations add.
      await copyCommonColumns(path.join(db.dir, "test.db"), path.join(dir, "old.db"));
      await applyMigrations(old, ROOT);
      const rows = await old.db.all<{ total: number; stemmed: number }>(
        sql`SELECT count(*) AS total, sum(title_stems <> '' AND body_stems <> '') AS stemmed FROM conventions_fts`,
      );
      expect(Number(rows[0]!.total)).toBeGreaterThan(40);
      expect(Number(rows[0]!.stemmed)).toBe(Number(rows[0]!.total));
      expect(await old.db.all(sql`SELECT id FROM catalog_search_stale`)).toEqual([]);
      useConnection(old);
      expect((await slugs("q=farmaco")).sort()).toEqual([...FARMACI].sort());
    } finally {
      useConnection(db);
      old.client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("offers «Forse cercavi» from the index vocabulary for misspelt words, and not for other forms of known words", async () => {
    expect(await spellingSuggestion(db.db, "puliza")).toBe("pulizia");
    expect(await spellingSuggestion(db.db, "vigilamza armata")).toBe("vigilanza armata");
    expect(await spellingSuggestion(db.db, "farmaco")).toBeNull();
    expect(await spellingSuggestion(db.db, "buono pasto")).toBeNull();
    expect(await spellingSuggestion(db.db, "pulizia")).toBeNull();
    expect(await spellingSuggestion(db.db, "xqzwv")).toBeNull();
    const page = await getCatalogPage(new URLSearchParams("q=puliza"));
    expect(page.suggestion).toMatchObject({ text: "pulizia", total: 10 });
    expect(page.suggestion!.query.q).toBe("pulizia");
  });

  it("suggests which filter to remove when nothing is found", async () => {
    const page = await getCatalogPage(new URLSearchParams("q=farmaci&regione=Molise&tipo=sda"));
    expect(page.result.total).toBe(0);
    const byLabel = Object.fromEntries(page.relaxations.map((r) => [r.label, r.total]));
    // Without the type or the text there would still be nothing in Molise: only the region is worth relaxing.
    expect(byLabel).toEqual({ "in tutte le regioni, non solo Molise": 1 });
  });

  it("treats every invalid parameter as an error and runs no search", async () => {
    for (const params of ["cpv=abc", "tipo=appalto", "scadenza-al=2026-13-01", "attivazione-dal=2027-01-01&attivazione-al=2026-01-01", "regione=Atlantide"]) {
      const page = await getCatalogPage(new URLSearchParams(params));
      expect({ params, errors: page.errors.length }).toEqual({ params, errors: 1 });
      expect(page.result.items).toEqual([]);
    }
  });

  it("finds an instrument by a CPV code or a CIG typed in the search box", async () => {
    expect(await slugs("q=8A1B2C3D4E")).toEqual([PULIZIA_CONSIP]);
    expect(await slugs("q=8a1b2c3d4e")).toEqual([PULIZIA_CONSIP]);
    expect((await slugs("q=90919200-4")).sort()).toEqual((await slugs("cpv=90919200-4")).sort());
    expect((await slugs("q=90919200")).sort()).toEqual((await slugs("cpv=90919200-4")).sort());
  });

  it("filters by supplier and by activation and expiry dates", async () => {
    const bySupplier = await slugs("fornitore=pulizie ecologiche");
    expect(bySupplier.sort()).toEqual([PULIZIA_CONSIP, e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-vicenza-2"), e("pulizia-degli-uffici-a-ridotto-impatto-ambientale-lombardia-1")].sort());
    expect(await slugs("fornitore=100%")).toEqual([]);
    const all = (await searchConventions(q(""), { today: TODAY, pageSize: 1000 })).items;
    const ending = await searchConventions(q("scadenza-dal=2027-01-01&scadenza-al=2027-06-30"), { today: TODAY, pageSize: 1000 });
    const expected = all.filter((c) => c.endDate && c.endDate >= "2027-01-01" && c.endDate <= "2027-06-30").map((c) => c.slug).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(ending.items.map((c) => c.slug).sort()).toEqual(expected);
    const starting = await searchConventions(q("attivazione-dal=2025-01-01&attivazione-al=2025-12-31"), { today: TODAY, pageSize: 1000 });
    const started = all.filter((c) => c.startDate && c.startDate >= "2025-01-01" && c.startDate <= "2025-12-31").map((c) => c.slug).sort();
    expect(started.length).toBeGreaterThan(0);
    expect(starting.items.map((c) => c.slug).sort()).toEqual(started);
  });

  it("sorts «in scadenza» by expiry unless another order is asked for", async () => {
    const query = q("scadenza=90");
    expect(query.sort).toBe("scadenza");
    const ends = (await searchConventions(query, { today: TODAY })).items.map((c) => c.endDate!);
    expect(ends.length).toBeGreaterThan(1);
    expect(ends).toEqual([...ends].sort());
    expect(q("scadenza=90&ordina=titolo").sort).toBe("titolo");
    expect(q("scadenza=90&q=pulizia").sort).toBe("scadenza");
  });

  it("counts facets as the search with each value would find", async () => {
    const query = q("q=pulizia&stato=attiva");
    const facets = await catalogFacets(query, { today: TODAY });
    for (const [status, n] of facets.statuses) {
      expect({ status, n }).toEqual({ status, n: (await searchConventions({ ...query, status }, { today: TODAY })).total });
    }
    for (const [categoryId, n] of facets.categories) {
      expect({ categoryId, n }).toEqual({ categoryId, n: (await searchConventions({ ...query, categoryId }, { today: TODAY })).total });
    }
    for (const region of ["Lombardia", "Molise", "Italia", "Veneto"]) {
      expect({ region, n: facets.regions.get(region) }).toEqual({ region, n: (await searchConventions({ ...query, region }, { today: TODAY })).total });
    }
    for (const [aggregatorId, n] of facets.aggregators) {
      expect({ aggregatorId, n }).toEqual({ aggregatorId, n: (await searchConventions({ ...query, aggregatorId }, { today: TODAY })).total });
    }
    expect([...facets.instruments.values()].reduce((a, b) => a + b, 0)).toBe((await searchConventions(query, { today: TODAY })).total);
  });

  it(`finds what buyers look for: recall@5 over ${RELEVANCE_SET.length} queries is 100%`, async () => {
    expect(RELEVANCE_SET.length).toBeGreaterThanOrEqual(30);
    let wanted = 0;
    let found = 0;
    const misses: string[] = [];
    for (const [text, expected] of RELEVANCE_SET) {
      const top = (await searchConventions(q(`q=${encodeURIComponent(text)}`), { today: TODAY, pageSize: 5 })).items.map((c) => c.slug);
      for (const slug of expected) {
        wanted++;
        if (top.includes(slug)) found++;
        else misses.push(`«${text}» → ${slug}`);
      }
    }
    const recall = found / wanted;
    console.log(`catalog search relevance: recall@5 = ${(recall * 100).toFixed(1)}% (${found}/${wanted} expected results, ${RELEVANCE_SET.length} queries)`);
    recordFigure("catalogSearchRecallAt5", { queries: RELEVANCE_SET.length, expected: wanted, found, recall });
    expect(misses).toEqual([]);
    expect(recall).toBe(1);
  });
});
