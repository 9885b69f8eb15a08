/**
 * The OCDS publication validated against the official 1.1.5 schemas (from
 * ../shared/fixtures/procurement, never copied here), with the same validator
 * checked on the official fictional examples and on a real invalid file.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCatalogQuery, saveConvention, savePlan } from "@/catalog";
import { config } from "@/config";
import { publishedExtensions } from "@/interop/ocds/extensions";
import { ocdsResponse } from "@/interop/ocds/http";
import { expectedPeriod, italianDateTime, ocdsReleases, recordPackage, releasePackage, releasesJsonLines, type Release } from "@/interop/ocds/publish";
import { createOcdsValidator, loadOcdsSchemas, type OcdsSchemas, type OcdsValidator } from "@/interop/ocds/validate";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";

const site = () => config().siteUrl;
const FIXTURES = path.resolve(ROOT, "../shared/fixtures/procurement");
const query = (params: string) => parseCatalogQuery(new URLSearchParams(params)).query;
const readJson = async (file: string) => JSON.parse(await readFile(file, "utf8"));
const get = (pathAndQuery: string, headers: Record<string, string> = {}) => {
  const url = new URL(pathAndQuery, "http://127.0.0.1:4321");
  return ocdsResponse(new Request(url, { headers }), url, pathAndQuery.includes("records") ? "records" : pathAndQuery.includes(".jsonl") ? "jsonl" : "releases");
};

describe("OCDS validator on the official and real files", () => {
  let plain: OcdsValidator;
  beforeAll(async () => {
    plain = createOcdsValidator(await loadOcdsSchemas(path.join(FIXTURES, "ocds-1.1.5")));
  });

  it("accepts every official fictional example, release and record packages, without errors or warnings", async () => {
    const dir = path.join(FIXTURES, "ocds-examples");
    const files = [...(await readdir(dir)).filter((f) => f.endsWith(".json")), ...(await readdir(path.join(dir, "record"))).map((f) => `record/${f}`)];
    expect(files).toHaveLength(9);
    const additional: string[] = [];
    for (const file of files) {
      const result = plain.validate(await readJson(path.join(dir, file)));
      expect(result.kind, file).toBe(file.startsWith("record/") ? "record package" : "release package");
      expect(result.errors, file).toEqual([]);
      expect(result.warnings, file).toEqual([]);
      additional.push(...result.additionalCodes.map((c) => `${file}${c.path}: ${c.message.split("'")[1]}`));
    }
    // The examples' own document types, prefixed x_ as the standard suggests: listed for checking, not errors.
    expect(additional.filter((a) => !/documentType: x_\w+$/.test(a))).toEqual([]);
    expect(additional.length).toBeGreaterThan(0);
  });

  it("rejects the real Italian file with exactly the documented errors: 561 enum errors on tag values with a leading space", async () => {
    const pkg = await readJson(path.join(FIXTURES, "ocds-real/IT-CF-81001210723-ocds.json"));
    const result = plain.validate(pkg);
    expect(pkg.releases).toHaveLength(187);
    expect(result.errors).toHaveLength(561);
    expect(new Set(result.errors.map((e) => e.check))).toEqual(new Set(["enum"]));
    for (const error of result.errors) {
      const [, , index, field, position] = error.path.split("/");
      expect(field).toBe("tag");
      expect(pkg.releases[Number(index)].tag[Number(position)]).toMatch(/^ (award|contract|implementation)$/);
    }
    // What the Data Review Tool's further checks find in it: every release is dated after the package
    // (2020-10-15 against 2020-02-15), two contract periods end before they start, and the same leading
    // space in a party role, which is no schema error because partyRole is an open codelist.
    expect(result.warnings.filter((w) => w.message === "the release is dated after the package's publishedDate")).toHaveLength(187);
    expect(result.warnings.filter((w) => w.check === "datesInOrder" && w.path.endsWith("/contractPeriod/endDate")).map((w) => w.path)).toEqual([
      "/releases/107/tender/contractPeriod/endDate",
      "/releases/143/tender/contractPeriod/endDate",
    ]);
    expect(result.warnings).toHaveLength(189);
    expect(result.additionalCodes).toHaveLength(187);
    expect(new Set(result.additionalCodes.map((c) => c.message.split("'")[1]))).toEqual(new Set([" procuringEntity"]));
  });

  it("reports the missing package metadata of the 1.2 framework fragments, and their undeclared-to-it extension", async () => {
    const result = plain.validate(await readJson(path.join(FIXTURES, "ocds-frameworks/open_multiple_first_stage.json")));
    expect(result.errors.filter((e) => e.check === "required").map((e) => e.message).sort()).toEqual(
      ["missing required field 'initiationType'", "missing required field 'publishedDate'", "missing required field 'publisher'", "missing required field 'uri'"],
    );
    expect(result.errors.filter((e) => e.check === "extensions")).toHaveLength(1);
  });
});

describe("OCDS publication", () => {
  let db: TestDatabase;
  let validator: OcdsValidator;
  let schemas: OcdsSchemas;
  let all: Release[];

  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
    schemas = await loadOcdsSchemas(path.join(FIXTURES, "ocds-1.1.5"));
    validator = createOcdsValidator(schemas, publishedExtensions());
    all = await ocdsReleases(query(""));
  });
  afterAll(async () => {
    await db.cleanup();
  });

  const expectValid = (pkg: unknown) => {
    const result = validator.validate(JSON.parse(JSON.stringify(pkg)));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.additionalCodes).toEqual([]);
  };

  it("publishes every convention, plan item and joint initiative as a valid release package and record package", async () => {
    const conventions = Number((await db.client.execute("SELECT count(*) AS n FROM conventions")).rows[0]!.n);
    const items = Number((await db.client.execute("SELECT count(*) AS n FROM activity_plan_items")).rows[0]!.n);
    const initiatives = Number((await db.client.execute("SELECT count(*) AS n FROM joint_initiatives")).rows[0]!.n);
    expect(all).toHaveLength(conventions + items + initiatives);
    expect(new Set(all.map((r) => r.ocid)).size).toBe(all.length);
    // Demonstration entries stay marked as such; the conventions taken from the sources are not.
    expect(all.find((r) => (r.tender as { title: string }).title === "Servizio di vigilanza armata")!.example).toBe(false);
    expect(all.filter((r) => r.ocid.includes("-piano-")).every((r) => r.example === true)).toBe(true);
    expectValid(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.json", all));
    const records = recordPackage("http://127.0.0.1:4321/dati/ocds/records.json", all);
    expect(records.records).toHaveLength(all.length);
    expect(records.records.every((r) => r.compiledRelease.tag[0] === "compiled" && r.compiledRelease.ocid === r.ocid)).toBe(true);
    expectValid(records);
  });

  it("validates every release of the JSON Lines file", async () => {
    const lines = releasesJsonLines(all).trimEnd().split("\n");
    expect(lines).toHaveLength(all.length);
    expectValid(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.jsonl", lines.map((l) => JSON.parse(l))));
  });

  it("maps an active convention to a framework process with lots, CPV, contract period, ceiling, share used and awards", async () => {
    await saveConvention(
      {
        slug: "ocds-prova-accordo-quadro",
        aggregator: "intercent-er",
        category: "farmaci",
        instrument: "accordo_quadro",
        title: "Accordo quadro farmaci di prova",
        summary: "Voce di prova per la pubblicazione OCDS.",
        description: "",
        status: "active",
        cig: "9A1B2C3D4E",
        publishedOn: "2026-01-15",
        startDate: "2026-03-01",
        endDate: "2028-02-29",
        ceiling: 2_000_000,
        used: 500_000,
        example: true,
        lots: [
          { number: 1, name: "Area vasta Emilia nord", region: "Emilia-Romagna", territory: "Piacenza, Parma, Reggio Emilia", supplier: "Farmaci Nord S.p.A.", ceiling: 1_200_000 },
          { number: 2, name: "Area vasta Romagna", region: "Emilia-Romagna", territory: "", supplier: "Farmaci Sud S.r.l.", ceiling: 800_000 },
        ],
      },
      { upsert: true },
    );
    const releases = await ocdsReleases(query("q=farmaci di prova&soggetto=intercent-er"));
    const release = releases.find((r) => (r.tender as { title: string }).title === "Accordo quadro farmaci di prova") as any;
    expect(release).toBeDefined();
    expect(release.ocid).toMatch(new RegExp(`^${config().ocdsPrefix}-convenzione-\\d+$`));
    expect(release.tag).toEqual(["tender", "award"]);
    expect(release.example).toBe(true);
    expect(release.tender).toMatchObject({
      id: "9A1B2C3D4E",
      status: "complete",
      procuringEntity: { id: "soggetto-aggregatore-intercent-er" },
      value: { amount: 2_000_000, currency: "EUR" },
      tenderPeriod: { startDate: "2026-01-15T00:00:00+01:00" },
      contractPeriod: { startDate: "2026-03-01T00:00:00+01:00", endDate: "2028-02-29T23:59:59+01:00" },
      techniques: {
        hasFrameworkAgreement: true,
        frameworkAgreement: { value: { amount: 2_000_000, currency: "EUR" }, usedValue: { amount: 500_000, currency: "EUR" }, usedShare: 0.25 },
      },
    });
    expect(release.tender.lots.map((l: { id: string; value: { amount: number } }) => [l.id, l.value.amount])).toEqual([["1", 1_200_000], ["2", 800_000]]);
    expect(release.tender.items[0].classification.scheme).toBe("CPV");
    expect(release.tender.items[0].classification.id).toMatch(/^\d{8}-\d$/);
    const aggregator = release.parties.find((p: { id: string }) => p.id === "soggetto-aggregatore-intercent-er");
    expect(aggregator.roles).toEqual(["procuringEntity", "wholesaleBuyer"]);
    expect(release.awards.map((a: { relatedLots: string[]; suppliers: { name: string }[] }) => [a.relatedLots, a.suppliers[0]!.name])).toEqual([
      [["1"], "Farmaci Nord S.p.A."],
      [["2"], "Farmaci Sud S.r.l."],
    ]);
    expectValid(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.json", releases));
  });

  it("publishes plan items as planning releases with tender.status planned, linked from the convention they became", async () => {
    const planning = all.filter((r) => r.ocid.includes("-piano-")) as any[];
    expect(planning.length).toBeGreaterThan(0);
    for (const r of planning) {
      expect(r.tag).toEqual(["planning"]);
      expect(r.tender.status).toBe("planned");
    }
    const electricity = planning.find((r) => r.tender.title === "Energia elettrica – ventiquattresima edizione");
    expect(electricity.tender.tenderPeriod).toEqual({ startDate: "2026-01-01T00:00:00+01:00", endDate: "2026-03-31T23:59:59+02:00" });
    expect(electricity.tender.value).toEqual({ amount: 1_800_000_000, currency: "EUR" });

    // A plan item that points to a convention: the convention names it as its planning process.
    const convention = (await ocdsReleases(query(""))).find((r) => r.ocid.includes("-convenzione-"))!;
    const conventionId = Number(convention.ocid.split("-").pop());
    const slug = String((await db.client.execute({ sql: "SELECT slug FROM conventions WHERE id = ?", args: [conventionId] })).rows[0]!.slug);
    await savePlan(
      { aggregator: "consip", year: 2031, notes: "", example: true, items: [{ title: "Voce collegata di prova", category: "farmaci", instrument: "convenzione", period: "2031-S2", convention: slug }] },
    );
    const after = await ocdsReleases(query(""));
    const item = after.find((r) => (r.tender as { title: string }).title === "Voce collegata di prova")! as any;
    const linked = after.find((r) => r.ocid === convention.ocid)! as any;
    expect(linked.relatedProcesses).toContainEqual(expect.objectContaining({ relationship: ["planning"], scheme: "ocid", identifier: item.ocid }));
    expect(item.tender.tenderPeriod).toEqual({ startDate: "2031-07-01T00:00:00+02:00", endDate: "2031-12-31T23:59:59+01:00" });
    expectValid(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.json", after));
  });

  it("links the processes of a joint initiative to it through relatedProcesses", async () => {
    const initiative = all.find((r) => (r.tender as { title: string }).title === "Gruppo tecnico dei soggetti aggregatori territoriali") as any;
    expect(initiative.ocid).toContain("-iniziativa-");
    expect(initiative.tag).toEqual(["planning"]);
    expect(initiative.parties.map((p: { id: string }) => p.id)).toContain("soggetto-aggregatore-citta-metropolitana-milano");
    const children = all.filter((r) => ((r.relatedProcesses as { identifier: string; relationship: string[] }[] | undefined) ?? []).some((p) => p.identifier === initiative.ocid && p.relationship[0] === "parent"));
    expect(children.length).toBeGreaterThan(0);
    for (const child of children as any[]) expect(child.tender.items[0].description).toBe(initiative.tender.items[0].description);
  });

  it("applies the catalog filters to conventions, plan items and initiatives alike", async () => {
    const consip = await ocdsReleases(query("soggetto=consip"));
    expect(consip.length).toBeGreaterThan(0);
    for (const r of consip as any[]) expect(r.parties.map((p: { id: string }) => p.id)).toContain("soggetto-aggregatore-consip");
    const planned = await ocdsReleases(query("stato=in-programma"));
    expect(planned.length).toBeGreaterThan(0);
    for (const r of planned as any[]) expect(["planned", "planning"]).toContain(r.tender.status);
    const expiring = await ocdsReleases(query("scadenza=90"));
    expect(expiring.every((r) => r.ocid.includes("-convenzione-"))).toBe(true);
  });

  it("dates a plan item's release from its last change, kept by the database", async () => {
    const plan = { aggregator: "intercent-er", year: 2032, notes: "", example: true, items: [{ title: "Voce datata di prova", category: "farmaci", instrument: "convenzione" as const, period: "2032-T1" }] };
    await savePlan(plan);
    const find = async () => (await ocdsReleases(query("soggetto=intercent-er"))).find((r) => (r.tender as { title: string }).title === "Voce datata di prova")!;
    expect(Date.now() - Date.parse((await find()).date)).toBeLessThan(60_000);
    // Back-date the item (setting updated_at by hand does not fire the trigger), so that the change below lands in a later second.
    await db.client.execute("UPDATE activity_plan_items SET updated_at = updated_at - 5000 WHERE title = 'Voce datata di prova'");
    const first = await find();
    await savePlan(plan); // unchanged: same release
    expect((await find()).id).toBe(first.id);
    await savePlan({ ...plan, items: [{ ...plan.items[0]!, period: "2032-T2" }] });
    const changed = await find();
    expect(changed.ocid).toBe(first.ocid);
    expect(changed.id).not.toBe(first.id);
    expect(Date.parse(changed.date)).toBeGreaterThan(Date.parse(first.date));
  });

  it("keeps ocids and release ids stable while nothing changes", async () => {
    const first = await ocdsReleases(query(""));
    const second = await ocdsReleases(query(""));
    expect(second.map((r) => [r.ocid, r.id])).toEqual(first.map((r) => [r.ocid, r.id]));
  });

  it("converts Italian dates and plan periods with Rome's offset", () => {
    expect(italianDateTime("2026-07-01")).toBe("2026-07-01T00:00:00+02:00");
    expect(italianDateTime("2026-12-31", true)).toBe("2026-12-31T23:59:59+01:00");
    expect(expectedPeriod("2026-T4", 2026)).toEqual({ startDate: "2026-10-01T00:00:00+02:00", endDate: "2026-12-31T23:59:59+01:00" });
    expect(expectedPeriod(null, 2027)).toEqual({ startDate: "2027-01-01T00:00:00+01:00", endDate: "2027-12-31T23:59:59+01:00" });
    expect(expectedPeriod("2026-T5", 2026)).toBeUndefined();
    expect(expectedPeriod("prossimo anno", 2026)).toBeUndefined();
  });

  it("fails packages that break the rules the schema cannot express", () => {
    const pkg = JSON.parse(JSON.stringify(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.json", all.slice(0, 3))));
    pkg.releases[1].id = pkg.releases[0].id;
    pkg.releases[1].ocid = pkg.releases[0].ocid;
    pkg.releases[0].parties.push({ ...pkg.releases[0].parties[0] });
    pkg.releases[2].parties[0].roles.push("acquirente");
    pkg.releases[2].tender.contractPeriod = { startDate: "2027-01-01T00:00:00Z", endDate: "2026-01-01T00:00:00Z" };
    pkg.releases[2].tender.procuringEntity = { id: "nessuno", name: "Nessuno" };
    pkg.releases[2].tender.massimale = 1;
    pkg.releases[2].tender.status = "planning ";
    const result = validator.validate(pkg);
    expect(result.errors.map((e) => [e.check, e.path])).toEqual(
      expect.arrayContaining([
        ["uniqueIds", "/releases/1/id"],
        ["uniqueIds", `/releases/0/parties/${pkg.releases[0].parties.length - 1}/id`],
        ["enum", "/releases/2/tender/status"],
      ]),
    );
    expect(result.additionalCodes.map((w) => [w.check, w.path])).toEqual([["codelist", `/releases/2/parties/0/roles/${pkg.releases[2].parties[0].roles.length - 1}`]]);
    expect(result.warnings.map((w) => [w.check, w.path])).toEqual(
      expect.arrayContaining([
        ["datesInOrder", "/releases/2/tender/contractPeriod/endDate"],
        ["organizationReference", "/releases/2/tender/procuringEntity/id"],
        ["additionalFields", "/releases/2/tender/massimale"],
      ]),
    );
  });

  it("needs Aggrega's extension to accept its fields and its party role", () => {
    const pkg = JSON.parse(JSON.stringify(releasePackage("http://127.0.0.1:4321/dati/ocds/releases.json", all)));
    const withoutAggrega = createOcdsValidator(schemas, publishedExtensions().slice(0, 2));
    const result = withoutAggrega.validate(pkg);
    expect(result.errors.map((e) => e.check)).toEqual(["extensions"]);
    expect(new Set(result.warnings.map((w) => w.check))).toEqual(new Set(["additionalFields"]));
    expect(result.additionalCodes.length).toBeGreaterThan(0);
    expect(result.additionalCodes.every((w) => w.message.includes("'wholesaleBuyer'"))).toBe(true);
    expect(result.warnings.some((w) => w.path.endsWith("/frameworkAgreement/usedShare"))).toBe(true);
  });

  describe("over HTTP", () => {
    it("serves the release package with ETag, Last-Modified and CORS, and answers 304 to a conditional GET", async () => {
      const response = await get("/dati/ocds/releases.json?soggetto=consip");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      const etag = response.headers.get("etag")!;
      const lastModified = response.headers.get("last-modified")!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const pkg = await response.json();
      expect(pkg).toMatchObject({
        uri: `${site()}/dati/ocds/releases.json?soggetto=consip`,
        version: "1.1",
        license: "https://creativecommons.org/licenses/by/4.0/legalcode",
        publicationPolicy: `${site()}/dati/ocds`,
        publisher: { uri: `${site()}/` },
      });
      expect(pkg.extensions).toEqual(publishedExtensions().map((e) => e.url));
      expect(new Date(lastModified).getTime()).toBe(Date.parse(pkg.publishedDate));
      expectValid(pkg);

      expect((await get("/dati/ocds/releases.json?soggetto=consip", { "If-None-Match": etag })).status).toBe(304);
      expect((await get("/dati/ocds/releases.json?soggetto=consip", { "If-Modified-Since": lastModified })).status).toBe(304);
      expect((await get("/dati/ocds/releases.json?soggetto=consip", { "If-None-Match": '"altro"' })).status).toBe(200);
      expect((await get("/dati/ocds/releases.json", { "If-None-Match": etag })).status).toBe(200);
    });

    it("changes the ETag and the release when a convention changes", async () => {
      const before = await get("/dati/ocds/releases.json?soggetto=intercent-er");
      const etag = before.headers.get("etag")!;
      // Release ids and HTTP dates have whole seconds: the change is dated 5 s after the latest one.
      await db.client.execute(
        "UPDATE conventions SET title = title || ' (aggiornato)', updated_at = (SELECT max(updated_at) FROM conventions) + 5000 WHERE aggregator_id = 'intercent-er'",
      );
      const after = await get("/dati/ocds/releases.json?soggetto=intercent-er", { "If-None-Match": etag });
      expect(after.status).toBe(200);
      expect(after.headers.get("etag")).not.toBe(etag);
      expect(Date.parse(after.headers.get("last-modified")!)).toBeGreaterThan(Date.parse(before.headers.get("last-modified")!));
    });

    it("serves the record package and the JSON Lines file", async () => {
      const records = await get("/dati/ocds/records.json?stato=in-programma");
      expect(records.status).toBe(200);
      const pkg = await records.json();
      expect(pkg.records.length).toBeGreaterThan(0);
      expectValid(pkg);
      const jsonl = await get("/dati/ocds/releases.jsonl");
      expect(jsonl.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
      const lines = (await jsonl.text()).trimEnd().split("\n");
      expect(lines.map((l) => JSON.parse(l).ocid)).toEqual(lines.map((l) => JSON.parse(l).ocid).filter((o, i, a) => a.indexOf(o) === i));
    });

    it("answers a filter that does not exist with an Italian problem document", async () => {
      const response = await get("/dati/ocds/releases.json?stato=sconosciuto");
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
      expect(await response.json()).toMatchObject({
        status: 400,
        title: "Parametri non validi",
        detail: `Valore non valido per il parametro «stato»: usa gli stessi valori dei filtri del catalogo, descritti in ${site()}/dati/ocds.`,
        parametri: ["stato"],
      });
      const two = await (await get("/dati/ocds/records.json?cpv=abc&regione=Atlantide&soggetto=consip")).json();
      expect(two.parametri).toEqual(["cpv", "regione"]);
    });
  });
});
