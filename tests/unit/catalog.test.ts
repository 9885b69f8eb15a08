import { describe, expect, it } from "vitest";
import { CONVENTION_STATUSES, INSTRUMENT_TYPES } from "@db/schema";
import { foldLine } from "@/catalog/opendata";
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

describe("iCalendar line folding", () => {
  it("folds at 75 octets without splitting multi-byte characters", () => {
    const line = `SUMMARY:${"città ".repeat(40)}`;
    const folded = foldLine(line);
    const parts = folded.split("\r\n");
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(parts.slice(1).every((p) => p.startsWith(" "))).toBe(true);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(line);
  });

  it("leaves short lines alone", () => {
    expect(foldLine("VERSION:2.0")).toBe("VERSION:2.0");
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
