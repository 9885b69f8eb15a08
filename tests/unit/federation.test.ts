import { describe, expect, it } from "vitest";
import { packageUrl } from "@/interop/federation/fetch";
import { planItemsOf, withdrawnOcids } from "@/interop/federation/plans";

const party = { id: "soggetto-aggregatore-intercent-er", name: "Intercent-ER – Agenzia regionale", roles: ["procuringEntity"], address: { region: "Emilia-Romagna" } };
const planning = (ocid: string, tender: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ocid,
  id: `${ocid}-1`,
  date: "2026-11-30T10:00:00Z",
  tag: ["planning"],
  parties: [party],
  planning: { rationale: "Voce del piano delle attività." },
  tender: { id: "piano-1", title: "Pulizia delle sedi regionali", status: "planned", procuringEntity: { id: party.id, name: party.name }, ...tender },
  ...extra,
});

describe("planItemsOf", () => {
  it("reads the expected period back as a quarter, a half-year or the year alone", () => {
    const pkg = {
      releases: [
        planning("ocds-x-piano-1", { tenderPeriod: { startDate: "2027-04-01T00:00:00+02:00", endDate: "2027-06-30T23:59:59+02:00" } }),
        planning("ocds-x-piano-2", { title: "Secondo semestre", tenderPeriod: { startDate: "2027-07-01T00:00:00+02:00", endDate: "2027-12-31T23:59:59+01:00" } }),
        planning("ocds-x-piano-3", { title: "Tutto l'anno", tenderPeriod: { startDate: "2028-01-01T00:00:00+01:00", endDate: "2028-12-31T23:59:59+01:00" } }),
      ],
    };
    expect(planItemsOf(pkg, new Set()).map((i) => [i.year, i.expectedPeriod])).toEqual([
      [2027, "2027-T2"],
      [2027, "2027-S2"],
      [2028, null],
    ]);
  });

  it("keeps value, CPV, instrument and the procuring entity as an imported aggregator", () => {
    const [item] = planItemsOf(
      {
        releases: [
          planning("ocds-x-piano-1", {
            title: "Convenzione per la pulizia delle sedi",
            value: { amount: 1200000, currency: "EUR" },
            items: [{ id: "1", description: "Pulizia di uffici", classification: { scheme: "CPV", id: "90919200-4" } }],
            techniques: { hasFrameworkAgreement: true },
          }),
        ],
      },
      new Set(),
    );
    expect(item).toMatchObject({ estimatedValue: 1200000, cpvCode: "90919200-4", categoryName: "Pulizia di uffici", instrumentType: "convenzione", example: false });
    expect(item!.aggregator).toMatchObject({ name: party.name, region: "Emilia-Romagna", kind: "regional" });
    expect(item!.year).toBe(2026);
  });

  it("leaves out tenders, invalid releases and all but the latest release of an ocid", () => {
    const pkg = {
      releases: [
        planning("ocds-x-convenzione-1", { status: "active" }, { tag: ["tender"] }),
        planning("ocds-x-piano-2", {}),
        planning("ocds-x-piano-3", { title: "Prima versione" }, { date: "2026-01-01T00:00:00Z" }),
        planning("ocds-x-piano-3", { title: "Versione corrente" }),
      ],
    };
    expect(planItemsOf(pkg, new Set(["/releases/1"])).map((i) => i.title)).toEqual(["Versione corrente"]);
  });
});

describe("withdrawnOcids", () => {
  it("names the processes whose latest release is cancelled, withdrawn or unsuccessful", () => {
    const pkg = {
      releases: [
        planning("ocds-x-piano-1", { status: "cancelled" }),
        planning("ocds-x-piano-2", { status: "withdrawn" }),
        planning("ocds-x-piano-3", {}),
        planning("ocds-x-piano-4", { status: "cancelled" }, { date: "2026-01-01T00:00:00Z" }),
        planning("ocds-x-piano-4", {}),
      ],
    };
    expect([...withdrawnOcids(pkg)].sort()).toEqual(["ocds-x-piano-1", "ocds-x-piano-2"]);
  });
});

describe("packageUrl", () => {
  it("reads an Aggrega instance's release package, or the package a URL names", () => {
    expect(packageUrl("https://aggrega.regione.it")).toBe("https://aggrega.regione.it/dati/ocds/releases.json");
    expect(packageUrl("https://aggrega.regione.it/portale")).toBe("https://aggrega.regione.it/portale/dati/ocds/releases.json");
    expect(packageUrl("https://dati.example.it/ocds/pacchetto.json")).toBe("https://dati.example.it/ocds/pacchetto.json");
  });
});
