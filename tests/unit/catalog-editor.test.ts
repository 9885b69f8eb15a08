/** The lot rows of the convention editor and the CPV vocabulary, as pure functions. */
import { describe, expect, it } from "vitest";
import { CPV_VOCABULARY_SIZE, cpvEntry, lotRowsToShow, searchCpv } from "@/catalog";
import { decodeLots, postedLotRows } from "@/catalog/editor-rows";

const posted = {
  "lots.0.number": "1",
  "lots.0.name": "Nord",
  "lots.0.region": "Lombardia",
  "lots.1.number": "2",
  "lots.1.name": "Centro",
  "lots.1.region": "Lazio",
  "lots.1.remove": "1",
  "lots.2.number": "",
  "lots.2.name": "",
  "lots.3.number": "3",
  "lots.3.name": "Sud",
  "lots.3.region": "Puglia",
  "lots.3.ceiling": "1.500.000,50",
};

describe("lot rows", () => {
  it("drops empty rows and rows marked for removal, and decodes the fields", () => {
    expect(postedLotRows(posted).map((r) => r.values.name)).toEqual(["Nord", "Sud"]);
    expect(decodeLots(posted)).toEqual([
      { number: 1, name: "Nord", region: "Lombardia", territory: "", supplier: undefined, ceiling: undefined },
      { number: 3, name: "Sud", region: "Puglia", territory: "", supplier: undefined, ceiling: 1_500_000.5 },
    ]);
  });

  it("shows one empty row after the lots, and one more for «Aggiungi un lotto»", () => {
    expect(lotRowsToShow(posted).map((r) => r.name)).toEqual(["Nord", "Sud", ""]);
    expect(lotRowsToShow(posted, "lotto-aggiungi").map((r) => r.name)).toEqual(["Nord", "Sud", "", ""]);
    expect(lotRowsToShow({}).length).toBe(1);
  });

  it("moves a lot up or down, keeping the numbers in their places", () => {
    const up = lotRowsToShow(posted, "lotto-su-1");
    expect(up.slice(0, 2).map((r) => [r.number, r.name])).toEqual([["1", "Sud"], ["3", "Nord"]]);
    expect(lotRowsToShow(posted, "lotto-giu-0").slice(0, 2).map((r) => r.name)).toEqual(["Sud", "Nord"]);
    // Out of range: nothing moves.
    expect(lotRowsToShow(posted, "lotto-su-0").slice(0, 2).map((r) => r.name)).toEqual(["Nord", "Sud"]);
    expect(lotRowsToShow(posted, "lotto-giu-1").slice(0, 2).map((r) => r.name)).toEqual(["Nord", "Sud"]);
  });
});

describe("the CPV 2008 vocabulary", () => {
  it("has every code with its check digit and its Italian label", () => {
    expect(CPV_VOCABULARY_SIZE).toBe(9454);
    expect(cpvEntry("90919200-4")).toEqual({ code: "90919200-4", label: "Servizi di pulizia di uffici" });
    expect(cpvEntry("03000000-1")?.label).toBe("Prodotti dell'agricoltura, dell'allevamento, della pesca, della silvicoltura e prodotti affini");
    // A wrong check digit is not a code.
    expect(cpvEntry("90919200-5")).toBeUndefined();
  });

  it("finds codes by leading digits or by words of the label, accents folded", () => {
    expect(searchCpv("9091920").entries.map((e) => e.code)).toEqual(["90919200-4"]);
    const cleaning = searchCpv("pulizia uffici");
    expect(cleaning.entries.map((e) => e.code)).toContain("90919200-4");
    expect(searchCpv("elettricita").entries.map((e) => e.code)).toContain("09310000-5");
    expect(searchCpv("").total).toBe(0);
    expect(searchCpv("zzzzqqq").total).toBe(0);
  });
});

describe("the catalog's cpv parameter", () => {
  it("accepts leading digits and codes of the vocabulary, and explains a code that is not one", async () => {
    const { parseCatalogQuery } = await import("@/catalog");
    const parse = (cpv: string) => parseCatalogQuery(new URLSearchParams({ cpv }));
    expect(parse("909").query.cpv).toBe("909");
    expect(parse("90919200-4").query.cpv).toBe("90919200-4");
    expect(parse("90919200").query.cpv).toBe("90919200");
    const wrongDigit = parse("90919200-5");
    expect(wrongDigit.query.cpv).toBeUndefined();
    expect(wrongDigit.messages.join(" ")).toContain("non esiste nel vocabolario CPV 2008");
    expect(parse("12345678").messages.join(" ")).toContain("non esiste nel vocabolario CPV 2008");
  });
});
