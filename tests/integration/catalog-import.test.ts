/**
 * The importers on real files (../shared/fixtures/procurement, read in place) and on the derived files in
 * tests/fixtures/import (written for these tests from the documented layouts): what becomes an instrument, what is
 * skipped or rejected and why, idempotence, all-or-nothing versus --partial, and that search finds what came in.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { count, eq, isNotNull } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { conventionLots, conventions, frameworkCallOffs, aggregators } from "@db/schema";
import { conventionProvenance, parseCatalogQuery, searchConventions } from "@/catalog";
import { issueLines, runImport, summaryLine } from "@/interop/import";
import { ocdsReleases, releasePackage } from "@/interop/ocds/publish";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const FIXTURES = path.resolve(ROOT, "../shared/fixtures/procurement");
const DERIVED = path.join(ROOT, "tests/fixtures/import");
const SCHEMAS = path.join(FIXTURES, "ocds-1.1.5");
const TODAY = "2026-12-01";

let tdb: TestDatabase | undefined;
afterEach(async () => {
  await tdb?.cleanup();
  tdb = undefined;
});

const bytes = (file: string) => readFile(file);
const imported = async () => (await tdb!.db.select().from(conventions).where(isNotNull(conventions.sourceKey)).orderBy(conventions.sourceKey));
const total = async () => (await tdb!.db.select({ n: count() }).from(conventions))[0]!.n;
const search = (params: string) => searchConventions(parseCatalogQuery(new URLSearchParams(params)).query);

/** Every table's content that an import may touch, to compare before and after. */
async function snapshot() {
  const db = tdb!.db;
  return JSON.stringify([
    await db.select().from(conventions).orderBy(conventions.id),
    await db.select().from(conventionLots).orderBy(conventionLots.id),
    await db.select().from(aggregators).orderBy(aggregators.id),
    await db.select().from(frameworkCallOffs).orderBy(frameworkCallOffs.id),
  ]);
}

describe("ANAC CIG import", () => {
  it("turns the real sample's framework agreement into an instrument, skips the 19 contracts with the reason, and a second run changes nothing", async () => {
    tdb = await createTestDatabase({ seed: true });
    const file = await bytes(path.join(FIXTURES, "anac/anac_cig_sample.csv"));
    const first = await runImport("anac-cig", file);
    expect(first).toMatchObject({ read: 20, created: 1, updated: 0, unchanged: 0, written: true });
    expect(first.skipped).toHaveLength(19);
    expect(first.rejected).toEqual([]);
    expect(first.notes).toContain("separatore «,»");
    expect(issueLines(first.skipped)[0]).toBe("riga 3: CIG A006233A2C: modalità di realizzazione «CONTRATTO D'APPALTO», né convenzione né accordo quadro");
    const [framework] = await imported();
    expect(framework).toMatchObject({
      cig: "98813625E1",
      instrumentType: "accordo_quadro",
      sourceName: "ANAC",
      sourceLicence: "CC BY 4.0",
      sourceKey: "anac-cig:98813625E1",
      cpvCode: "45233141-9",
      programmeCui: "L01263370635202100019",
      publishedOn: "2023-06-26",
      ceilingValue: 89_500_000,
      isExample: false,
      // CPV 45233141-9 is a code of the seeded category «manutenzione-strade».
      categoryId: "manutenzione-strade",
    });
    const [napoli] = await tdb.db.select().from(aggregators).where(eq(aggregators.id, framework!.aggregatorId));
    expect(napoli).toMatchObject({ name: "Città Metropolitana di Napoli", kind: "metropolitan_city", region: "Campania", sourceName: "ANAC", isExample: false });

    const before = await snapshot();
    const second = await runImport("anac-cig", file);
    expect(second).toMatchObject({ read: 20, created: 0, updated: 0, unchanged: 1 });
    expect(await snapshot()).toBe(before);
  });

  it("reads the `;`-separated layout: framework and convention become instruments, the call-off is linked with delegation and programme kept", async () => {
    tdb = await createTestDatabase({ seed: true });
    const result = await runImport("anac-cig", await bytes(path.join(DERIVED, "anac-cig-derived.csv")));
    expect(summaryLine(result)).toBe("letti 5, creati 3, aggiornati 0, invariati 0, saltati 2, scartati 0");
    expect(result.notes).toContain("separatore «;»");
    expect(issueLines(result.skipped)).toEqual([
      "riga 5: CIG E4D5F6A7B8: modalità di realizzazione «CONTRATTO D'APPALTO», né convenzione né accordo quadro",
      "riga 6: CIG F5E6A7B8C9 cancellato (GARA NON PIU NECESSARIA)",
    ]);
    const rows = await imported();
    const framework = rows.find((r) => r.cig === "B1A2C3D4E5")!;
    const convention = rows.find((r) => r.cig === "C2B3D4E5F6")!;
    // The seeded Intercent-ER is recognised by its short name; its own record is not rewritten.
    expect(framework).toMatchObject({ aggregatorId: "intercent-er", categoryId: "pulizia-uffici", status: "active", startDate: "2024-06-03", endDate: "2026-06-03", ceilingValue: 1_250_000_050 });
    expect(convention).toMatchObject({ instrumentType: "convenzione", delegated: true, delegatingTaxCode: "80012345678", categoryId: "energia-elettrica" });
    const provenance = await conventionProvenance(framework.id);
    expect(provenance).toMatchObject({ sourceName: "ANAC", sourceLicence: "CC BY 4.0", programmeCui: "S91252510374202400001", callOffCount: 1 });
    expect(provenance.callOffs[0]).toMatchObject({ cig: "D3C4E5F6A7", buyerName: "Comune di Castel Esempio", amount: 8_400_000, delegated: true });
    const [callOff] = await tdb.db.select().from(frameworkCallOffs);
    expect(callOff).toMatchObject({ frameworkCig: "B1A2C3D4E5", delegatingTaxCode: "00999990371", programmeCui: "S00123450371202400004" });
  });

  it("changes nothing when a row is rejected, unless --partial; the report names the line and the reason", async () => {
    tdb = await createTestDatabase({ seed: true });
    const text = (await readFile(path.join(DERIVED, "anac-cig-derived.csv"), "utf8")).replace("2024-04-10", "31/02/2024").replace("D3C4E5F6A7", "D3C4E5");
    const file = Buffer.from(text);
    const before = await snapshot();
    const refused = await runImport("anac-cig", file);
    expect(refused.written).toBe(false);
    expect(refused.refusal).toMatch(/nessuna modifica/);
    expect(issueLines(refused.rejected)).toEqual([
      "riga 3: CIG C2B3D4E5F6: data_pubblicazione «31/02/2024» non è una data",
      "riga 4: CIG «D3C4E5» non valido: è formato da 10 caratteri, cifre e lettere maiuscole",
    ]);
    expect(await snapshot()).toBe(before);

    const partial = await runImport("anac-cig", file, { partial: true });
    expect(partial).toMatchObject({ created: 1, written: true });
    expect(partial.rejected).toHaveLength(2);
    expect((await imported()).map((r) => r.cig)).toEqual(["B1A2C3D4E5"]);
  });

  it("a dry run reports what would change and writes nothing", async () => {
    tdb = await createTestDatabase({ seed: true });
    const before = await snapshot();
    const result = await runImport("anac-cig", await bytes(path.join(DERIVED, "anac-cig-derived.csv")), { dryRun: true });
    expect(result).toMatchObject({ created: 3, written: false, dryRun: true });
    expect(await snapshot()).toBe(before);
  });
});

describe("Consip «bandi e gare» import", () => {
  let utf8: string;
  beforeAll(async () => {
    utf8 = await readFile(path.join(DERIVED, "consip-bandi-derived.csv"), "utf8");
  });

  const expectImported = async (result: Awaited<ReturnType<typeof runImport>>) => {
    expect(summaryLine(result)).toBe("letti 6, creati 2, aggiornati 0, invariati 0, saltati 2, scartati 0");
    expect(issueLines(result.skipped)).toEqual([
      "riga 4: lotto «BP10-2» già letto alla riga 3: riga ripetuta",
      "riga 7: «Bando MePA Servizi - Categoria pulizia»: bando del MePA, un mercato elettronico e non uno strumento del catalogo",
    ]);
    const rows = await imported();
    const meals = rows.find((r) => r.title.startsWith("Buoni pasto"))!;
    expect(meals).toMatchObject({
      aggregatorId: "consip",
      categoryId: "buoni-pasto",
      instrumentType: "convenzione",
      publishedOn: "2023-03-15",
      startDate: "2024-02-01",
      endDate: "2026-01-31",
      status: "expired",
      sourceName: "Consip",
      sourceLicence: "CC BY 4.0",
      // 1.234.567,89 + 3841,24 + 1000 euro, in cents; 25,5 % and 10 % of the first two used.
      ceilingValue: 123_940_913,
      usedValue: 31_519_894,
    });
    const lots = await tdb!.db.select().from(conventionLots).where(eq(conventionLots.conventionId, meals.id)).orderBy(conventionLots.number);
    expect(lots.map((l) => [l.number, l.name, l.region, l.ceilingValue])).toEqual([
      [1, "Lotto 1 - Lombardia", "Lombardia", 123_456_789],
      [2, "Lotto 2 - Lazio", "Lazio", 384_124],
      [3, "Lotto accessorio - Città di Roma", "Italia", 100_000],
    ]);
    const pcs = rows.find((r) => r.instrumentType === "accordo_quadro")!;
    expect(pcs).toMatchObject({ publishedOn: "2024-05-02", ceilingValue: 2_500_000_000, status: "tender_in_progress" });
  };

  it("sniffs Latin-1 and the comma, drops the # of the header, reads decimal commas and Italian dates", async () => {
    tdb = await createTestDatabase({ seed: true });
    const latin1 = Buffer.from(utf8, "latin1");
    expect(latin1.includes(Buffer.from("Città", "utf8"))).toBe(false);
    const result = await runImport("consip-bandi", latin1, { today: TODAY });
    expect(result.notes).toEqual(["codifica windows-1252", "separatore «,»"]);
    await expectImported(result);
  });

  it("reads the same file in UTF-8 with `;` the same way, and importing it after the Latin-1 one changes nothing", async () => {
    tdb = await createTestDatabase({ seed: true });
    // Written with `;` between fields: no field of the derived file holds a comma except the quoted amounts.
    const semicolon = utf8
      .split("\r\n")
      .map((line) => line.replace(/("[^"]*")|,/g, (_m, quoted) => quoted ?? ";"))
      .join("\r\n");
    const result = await runImport("consip-bandi", Buffer.from(semicolon, "utf8"), { today: TODAY });
    expect(result.notes).toEqual(["codifica utf-8", "separatore «;»"]);
    await expectImported(result);
    const again = await runImport("consip-bandi", Buffer.from(utf8, "latin1"), { today: TODAY });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
  });

  it("refuses a file that is not a «bandi e gare» file, naming the missing columns", async () => {
    tdb = await createTestDatabase();
    await expect(runImport("consip-bandi", Buffer.from("a;b;c\n1;2;3\n"))).rejects.toThrow("non è un file «bandi e gare» di Consip: mancano le colonne denominazione_bando, tipo_strumento");
    await expect(runImport("consip-bandi", Buffer.from("solo testo\n"))).rejects.toThrow(/non è un file CSV con intestazione/);
  });
});

describe("OCDS import", () => {
  it("imports another instance's release package: frameworks become instruments with the publisher as source, twice changes nothing", async () => {
    const publisher = await createTestDatabase({ seed: true });
    const pkg = releasePackage("https://altra-istanza.example/dati/ocds/releases.json", await ocdsReleases(parseCatalogQuery(new URLSearchParams("")).query));
    await publisher.cleanup();
    // Conventions, framework agreements and dynamic purchasing systems (planned ones too); plan items carry a planning section instead.
    const techniques = (r: (typeof pkg.releases)[number]) => (r.tender as { techniques?: { hasFrameworkAgreement?: boolean; hasDynamicPurchasingSystem?: boolean } }).techniques;
    const frameworks = pkg.releases.filter((r) => !r.planning && (techniques(r)?.hasFrameworkAgreement || techniques(r)?.hasDynamicPurchasingSystem));
    expect(frameworks.length).toBeGreaterThan(10);
    tdb = await createTestDatabase({ seed: true });
    const file = Buffer.from(JSON.stringify(pkg));
    const before = await total();
    const result = await runImport("ocds", file, { schemasDir: SCHEMAS });
    expect(result.rejected).toEqual([]);
    expect(result.created).toBe(frameworks.length);
    expect(result.source.licence).toBe("CC BY 4.0");
    expect(await total()).toBe(before + frameworks.length);
    // Planning releases and the joint initiatives are skipped with the reason.
    expect(result.skipped.some((s) => s.reason.includes("release di pianificazione"))).toBe(true);
    const one = (await imported())[0]!;
    expect(one.sourceName).toBe(pkg.publisher.name);
    expect(one.sourceKey).toMatch(/^ocds:/);
    const again = await runImport("ocds", file, { schemasDir: SCHEMAS });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: frameworks.length });
  });

  it("refuses an invalid release (nothing written); --lenient imports the valid ones and reports the invalid one by its path", async () => {
    const publisher = await createTestDatabase({ seed: true });
    const pkg = releasePackage("https://altra-istanza.example/dati/ocds/releases.json", await ocdsReleases(parseCatalogQuery(new URLSearchParams("")).query));
    await publisher.cleanup();
    const index = pkg.releases.findIndex((r) => (r.tender as { techniques?: object }).techniques);
    (pkg.releases[index]!.tender as Record<string, unknown>).status = "finita";
    tdb = await createTestDatabase({ seed: true });
    const file = Buffer.from(JSON.stringify(pkg));
    const before = await snapshot();
    const strict = await runImport("ocds", file, { schemasDir: SCHEMAS });
    expect(strict.written).toBe(false);
    expect(issueLines(strict.rejected)).toEqual([expect.stringMatching(new RegExp(`^/releases/${index}: release non valida: /releases/${index}/tender/status: must be equal to one of the allowed values`))]);
    expect(await snapshot()).toBe(before);
    const lenient = await runImport("ocds", file, { schemasDir: SCHEMAS, lenient: true });
    expect(lenient.written).toBe(true);
    expect(lenient.rejected.map((r) => r.where)).toEqual([{ path: `/releases/${index}` }]);
    expect(lenient.created).toBeGreaterThan(10);
  });

  it("the real Italian file: refused with every release reported; lenient imports none of its invalid releases; the official examples hold no framework", async () => {
    tdb = await createTestDatabase({ seed: true });
    const real = await bytes(path.join(FIXTURES, "ocds-real/IT-CF-81001210723-ocds.json"));
    const before = await snapshot();
    const strict = await runImport("ocds", real, { schemasDir: SCHEMAS });
    expect(strict).toMatchObject({ read: 187, created: 0, written: false });
    expect(strict.rejected).toHaveLength(187);
    expect(issueLines(strict.rejected)[0]).toMatch(/^\/releases\/0: release non valida: \/releases\/0\/tag\/1: must be equal to one of the allowed values/);
    const lenient = await runImport("ocds", real, { schemasDir: SCHEMAS, lenient: true });
    expect(lenient).toMatchObject({ created: 0 });
    expect(lenient.rejected).toHaveLength(187);
    expect(await snapshot()).toBe(before);

    const examples = await runImport("ocds", await bytes(path.join(FIXTURES, "ocds-examples/ocds-213czf-000-00001.json")), { schemasDir: SCHEMAS });
    expect(examples).toMatchObject({ read: 6, created: 0, rejected: [] });
    expect(examples.source.licence).toBe("ODC PDDL 1.0");
    const record = await runImport("ocds", await bytes(path.join(FIXTURES, "ocds-examples/record/ocds-213czf-000-00001.json")), { schemasDir: SCHEMAS });
    expect(record).toMatchObject({ read: 1, created: 0, rejected: [] });
    expect(record.skipped[0]!.reason).toMatch(/non descrive un accordo quadro/);
  });

  it("refuses a file that is not JSON, or not a package, and a package declaring an unknown extension unless lenient", async () => {
    tdb = await createTestDatabase();
    await expect(runImport("ocds", Buffer.from("{ non json"), { schemasDir: SCHEMAS })).rejects.toThrow(/non è un file JSON valido/);
    await expect(runImport("ocds", Buffer.from('{"uri": "x"}'), { schemasDir: SCHEMAS })).rejects.toThrow(/non è un pacchetto OCDS/);
    const fragment = await bytes(path.join(FIXTURES, "ocds-frameworks/open_multiple_first_stage.json"));
    await expect(runImport("ocds", fragment, { schemasDir: SCHEMAS })).rejects.toThrow(/il pacchetto OCDS non è valido/);
    await expect(runImport("ocds", fragment, {})).rejects.toThrow(/servono gli schemi ufficiali/);
  });
});

describe("search after an import", () => {
  it("finds imported instruments by CIG, by their own CPV code and by words of the title (the FTS index is updated)", async () => {
    tdb = await createTestDatabase({ seed: true });
    await runImport("anac-cig", await bytes(path.join(DERIVED, "anac-cig-derived.csv")));
    const slugs = (r: Awaited<ReturnType<typeof search>>) => r.items.map((i) => i.cig);
    expect(slugs(await search("q=C2B3D4E5F6"))).toEqual(["C2B3D4E5F6"]);
    // 09310000-5 is also the seeded energy category's code; the imported convention carries it itself too.
    expect(slugs(await search("q=09310000-5"))).toContain("C2B3D4E5F6");
    expect(slugs(await search("q=fornitura energia elettrica convenzione"))).toContain("C2B3D4E5F6");
    expect(slugs(await search("q=sviluppo mercati telematici pulizia uffici enti territorio"))).toContain("B1A2C3D4E5");
    // A CPV code no category holds: found through the instrument's own code only.
    const text = (await readFile(path.join(DERIVED, "anac-cig-derived.csv"), "utf8")).replaceAll("09310000-5", "71314100-3");
    await runImport("anac-cig", Buffer.from(text));
    expect(slugs(await search("q=71314100-3"))).toEqual(["C2B3D4E5F6"]);
    expect(slugs(await search("cpv=713"))).toEqual(["C2B3D4E5F6"]);
  });
});
