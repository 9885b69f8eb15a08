import { describe, expect, it } from "vitest";
import { CONVENTION_STATUSES, INSTRUMENT_TYPES } from "@db/schema";
import { purchaseGuide, searchTerms, toFtsQuery } from "@/catalog";

describe("full-text query sanitising", () => {
  it("keeps only words, quoted as prefix terms", () => {
    expect(toFtsQuery('pulizia "uffici" OR vigil*')).toBe('"pulizia"* "uffici"* "or"* "vigil"*');
    expect(toFtsQuery("title:energia NEAR(gas)")).toBe('"title"* "energia"* "near"* "gas"*');
  });

  it("drops Italian function words and single letters, keeps numbers and accents", () => {
    expect(searchTerms("Pulizia degli uffici e della sede 2 di Città")).toEqual(["pulizia", "uffici", "sede", "2", "città"]);
  });

  it("gives null when nothing is searchable and caps the number of terms", () => {
    expect(toFtsQuery(`"*()^:-' della`)).toBeNull();
    expect(searchTerms("uno due tre quattro cinque sei sette otto nove dieci")).toHaveLength(8);
  });
});

describe("what an administration does next", () => {
  it("lets it order only from active instruments, with steps for every type", () => {
    for (const status of CONVENTION_STATUSES) {
      for (const instrumentType of INSTRUMENT_TYPES) {
        const guide = purchaseGuide({ status, instrumentType, aggregatorName: "Consip S.p.A.", platformName: "Acquisti in rete PA" });
        expect(guide.canOrder).toBe(status === "active");
        expect(guide.steps.length).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it("names the platform and, for delegated tenders, the aggregator", () => {
    expect(purchaseGuide({ status: "active", instrumentType: "convenzione", aggregatorName: "X", platformName: "SATER" }).steps[1]).toContain("alla piattaforma SATER");
    expect(purchaseGuide({ status: "active", instrumentType: "gara_su_delega", aggregatorName: "Città metropolitana di Milano", platformName: null }).steps[0]).toContain("Città metropolitana di Milano");
  });
});
