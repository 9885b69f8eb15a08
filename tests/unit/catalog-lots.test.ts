import { describe, expect, it } from "vitest";
import { CONVENTION_STATUSES, INSTRUMENT_TYPES, type ConventionStatus, type InstrumentType } from "@db/schema";
import {
  comparisonSummary,
  effectiveLotStatus,
  instrumentState,
  joiningRule,
  lotView,
  monthsBetween,
  type ActionKind,
  type ComparisonLot,
  type ConventionSummary,
  type LotSummary,
} from "@/catalog";
import { dueLotWarning } from "@/alerts/maintenance";

describe("the states and calls to action each instrument type really has", () => {
  // Expected [label, action] for every type and status: the whole table, so a change to it is a visible decision.
  const expected: Record<InstrumentType, Record<ConventionStatus, [string, ActionKind]>> = {
    convenzione: {
      planned: ["In programma", "none"],
      tender_in_progress: ["Gara in corso", "none"],
      active: ["Attiva", "order"],
      exhausted: ["Esaurita", "none"],
      expired: ["Scaduta", "none"],
    },
    accordo_quadro: {
      planned: ["In programma", "none"],
      tender_in_progress: ["Gara in corso", "none"],
      active: ["Attivo: appalti specifici aperti", "specific_contract"],
      exhausted: ["Esaurito", "none"],
      expired: ["Scaduto", "none"],
    },
    sda: {
      planned: ["In programma", "none"],
      tender_in_progress: ["In istituzione", "none"],
      active: ["Aperto: appalti specifici", "sda"],
      exhausted: ["Esaurito", "none"],
      expired: ["Chiuso", "none"],
    },
    gara_su_delega: {
      planned: ["Raccolta dei fabbisogni in programma", "none"],
      tender_in_progress: ["Gara delegata in corso", "none"],
      active: ["Deleghe aperte", "delegate"],
      exhausted: ["Deleghe chiuse", "none"],
      expired: ["Conclusa", "none"],
    },
  };

  for (const type of INSTRUMENT_TYPES) {
    for (const status of CONVENTION_STATUSES) {
      it(`${type} ${status}`, () => {
        const state = instrumentState(type, status);
        expect([state.label, state.action]).toEqual(expected[type][status]);
        expect(state.meaning.length).toBeGreaterThan(20);
        expect(state.actionLabel === null).toBe(state.action === "none");
      });
    }
  }

  it("never shows a delegated tender as «Attiva» nor offers it an ordering button", () => {
    for (const status of CONVENTION_STATUSES) {
      const state = instrumentState("gara_su_delega", status);
      expect(state.label).not.toBe("Attiva");
      expect(state.actionLabel ?? "").not.toMatch(/ordin/i);
    }
    expect(instrumentState("convenzione", "active").actionLabel).toBe("Ordina sulla piattaforma");
    expect(instrumentState("accordo_quadro", "active").label).toContain("appalti specifici");
  });
});

describe("whether joining is mandatory", () => {
  it("is mandatory for the categories reserved to aggregators and for energy, gas and telephony, on both sides", () => {
    for (const kind of ["national", "regional", "metropolitan_city"] as const) {
      expect(joiningRule("pulizia-uffici", kind).mandatory).toBe(true);
      expect(joiningRule("manutenzione-strade", kind).mandatory).toBe(true);
      expect(joiningRule("energia-elettrica", kind).mandatory).toBe(true);
    }
  });

  it("is mandatory only for state administrations on a national instrument of another category, optional on a regional one", () => {
    expect(joiningRule("buoni-pasto", "national")).toMatchObject({ mandatory: false, label: "Obbligatoria solo per le amministrazioni statali" });
    expect(joiningRule("buoni-pasto", "regional")).toMatchObject({ mandatory: false, label: "Facoltativa" });
    expect(joiningRule("personal-computer", "province").label).toBe("Facoltativa");
  });
});

const convention = { slug: "pulizia", status: "active" as ConventionStatus, startDate: "2025-03-01", endDate: "2027-09-30" };
const lot = (over: Partial<LotSummary> = {}): LotSummary => ({
  conventionId: 7,
  number: 2,
  name: "Lotto 2 – Lazio",
  region: "Lazio",
  territory: "Lazio",
  supplier: "Pulizie Esempio S.r.l.",
  ceilingValue: 1_000_000,
  usedValue: 250_000,
  cig: "8A1B2C3D42",
  status: null,
  startDate: null,
  endDate: null,
  ...over,
});

describe("a lot's own values", () => {
  it("counts whole months left, none once ended", () => {
    expect(monthsBetween("2026-12-01", "2027-09-30")).toBe(9);
    expect(monthsBetween("2026-12-15", "2027-01-10")).toBe(0);
    expect(monthsBetween("2026-12-15", "2027-01-15")).toBe(1);
    expect(monthsBetween("2026-12-15", "2026-12-14")).toBeNull();
  });

  it("takes the convention's status and dates when the lot has none, and its own otherwise", () => {
    const inherited = lotView(lot(), convention, "2026-12-01");
    expect(inherited).toMatchObject({ status: "active", startDate: "2025-03-01", endDate: "2027-09-30", remainingValue: 750_000, sharePct: 25, monthsLeft: 9, path: "/convenzioni/pulizia/lotti/2" });
    const own = lotView(lot({ status: "tender_in_progress", startDate: "2027-01-01", endDate: "2028-12-31" }), convention, "2026-12-01");
    expect(own).toMatchObject({ status: "tender_in_progress", startDate: "2027-01-01", endDate: "2028-12-31" });
  });

  it("is exhausted when its ceiling is used up and expired after its end, whatever was saved", () => {
    expect(effectiveLotStatus("active", { ceilingValue: 100, usedValue: 100, endDate: "2027-01-01" }, "2026-12-01")).toBe("exhausted");
    expect(effectiveLotStatus("active", { ceilingValue: 100, usedValue: 10, endDate: "2026-11-30" }, "2026-12-01")).toBe("expired");
    expect(effectiveLotStatus("planned", { ceilingValue: 100, usedValue: 100, endDate: "2026-11-30" }, "2026-12-01")).toBe("planned");
    expect(lotView(lot({ usedValue: 1_000_000 }), convention, "2026-12-01")).toMatchObject({ status: "exhausted", remainingValue: 0, sharePct: 100 });
  });

  it("leaves remaining and share unknown without the amounts", () => {
    expect(lotView(lot({ usedValue: null }), convention, "2026-12-01")).toMatchObject({ remainingValue: null, sharePct: null });
  });
});

describe("a watched lot's warnings", () => {
  const facts = { conventionId: 7, number: 2, status: "active" as ConventionStatus, ceilingValue: 1000, usedValue: 100, endDate: "2027-09-30" };
  it("warns at 90% used, then when exhausted, then when expired, each under its own key", () => {
    expect(dueLotWarning(facts, "2026-12-01")).toBeNull();
    expect(dueLotWarning({ ...facts, usedValue: 899 }, "2026-12-01")).toBeNull();
    expect(dueLotWarning({ ...facts, usedValue: 900 }, "2026-12-01")).toEqual({ eventKey: "lot:7:2:90pct", kind: "nearly_exhausted" });
    expect(dueLotWarning({ ...facts, usedValue: 1000 }, "2026-12-01")).toEqual({ eventKey: "lot:7:2:exhausted", kind: "exhausted" });
    expect(dueLotWarning({ ...facts, status: "exhausted" }, "2026-12-01")).toEqual({ eventKey: "lot:7:2:exhausted", kind: "exhausted" });
    expect(dueLotWarning({ ...facts, usedValue: 950 }, "2027-10-01")).toEqual({ eventKey: "lot:7:2:expired", kind: "expired" });
  });

  it("says nothing about a lot not yet active", () => {
    expect(dueLotWarning({ ...facts, status: "planned", usedValue: 1000 }, "2026-12-01")).toBeNull();
  });
});

describe("the comparison's summary", () => {
  const side = (over: Partial<LotSummary>, instrumentType: InstrumentType, kind: "national" | "regional"): ComparisonLot => {
    const c = { slug: "x", status: "active", startDate: "2025-01-01", endDate: "2027-12-31", instrumentType, aggregator: { kind } } as unknown as ConventionSummary;
    const view = lotView(lot(over), c, "2026-12-01");
    return { convention: c, lot: view, state: instrumentState(instrumentType, view.status), joining: joiningRule("buoni-pasto", kind), platform: null };
  };

  it("says which side has more left, which is fuller, which ends first, and how buying differs", () => {
    const national = side({ ceilingValue: 10_000_00, usedValue: 9_000_00, endDate: "2027-03-31", supplier: "Alfa S.p.A." }, "convenzione", "national");
    const regional = side({ ceilingValue: 5_000_00, usedValue: 1_000_00, supplier: "Beta S.r.l." }, "gara_su_delega", "regional");
    const text = comparisonSummary([national], [regional], "Lazio", "Buoni pasto").join(" ");
    expect(text).toContain("Resta più massimale nel lotto regionale");
    expect(text).toContain("Il lotto nazionale è il più utilizzato: 90% contro 20%");
    expect(text).toContain("Il lotto nazionale scade prima, il 31 marzo 2027");
    expect(text).toContain("I fornitori sono diversi");
    expect(text).toContain("ordina sulla piattaforma (nazionale) oppure delega la gara al soggetto aggregatore (regionale)");
    expect(text).toContain("Adesione: obbligatoria solo per le amministrazioni statali per il nazionale, facoltativa per il regionale");
  });

  it("says so when a region has only one side, or none", () => {
    const national = side({}, "convenzione", "national");
    expect(comparisonSummary([national], [], "Sicilia", "Buoni pasto")[0]).toBe("In Sicilia non c'è un lotto regionale per Buoni pasto: c'è solo l'offerta nazionale.");
    expect(comparisonSummary([], [national], "Sicilia", "Buoni pasto")[0]).toContain("non c'è un lotto nazionale");
    expect(comparisonSummary([], [], "Sicilia", "Buoni pasto")[0]).toContain("né un lotto nazionale né un lotto regionale");
  });
});
