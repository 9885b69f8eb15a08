import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { announcements, conventionLots, conventions, conventionWatches } from "@db/schema";
import { overrideConfig } from "@/config";
import { closeMailer } from "@/mail";
import { compareLots, conventionCodec, conventionFormValues, getLotPage, saveConvention } from "@/catalog";
import { confirmSubscription, openPreferences, subscribe } from "@/alerts";
import { createExpiryWarnings, createLotWarnings } from "@/alerts/maintenance";
import { ConventionSeed } from "@/catalog/seed-schema";
import { mailQueueSettled } from "../helpers/mail";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { addSubscribers, SITE, testWorker } from "../helpers/alerts";

const ACTOR = { id: null, label: "prova" };
const PULIZIA = "esempio-pulizia-uffici-consip-nazionale";

let tdb: TestDatabase;
let sink: SmtpSink;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
  overrideConfig({ SMTP_URL: sink.url, SITE_URL: SITE, MAIL_FROM: "Aggrega <avvisi@aggrega.test>" });
});
afterAll(async () => {
  await closeMailer();
  await sink.close();
  await tdb.cleanup();
});
beforeEach(async () => {
  sink.messages.length = 0;
  await tdb.db.update(announcements).set({ fannedOutAt: new Date() }).where(sql`${announcements.fannedOutAt} IS NULL`);
});

async function conventionId(slug: string): Promise<number> {
  const [row] = await tdb.db.select({ id: conventions.id }).from(conventions).where(eq(conventions.slug, slug));
  return row!.id;
}

describe("lots as first-class", () => {
  it("seeds each lot with its CIG and used amount, and reads a lot page with remaining, share and the convention's dates", async () => {
    const page = await getLotPage(PULIZIA, "1");
    expect(page).not.toBeNull();
    expect(page!.lot).toMatchObject({
      number: 1,
      name: "Lotto 1 – Lombardia",
      region: "Lombardia",
      cig: "8A1B2C3D41",
      supplier: "Pulizie Ecologiche Esempio S.r.l.",
      ceilingValue: 40_000_000_00,
      usedValue: 36_000_000_00,
      remainingValue: 4_000_000_00,
      sharePct: 90,
      status: "active",
      startDate: "2025-03-01",
      endDate: "2027-09-30",
      path: `/convenzioni/${PULIZIA}/lotti/1`,
    });
    expect(page!.state.actionLabel).toBe("Ordina sulla piattaforma");
    // Lot 3 started later than the convention: its own date wins.
    expect((await getLotPage(PULIZIA, "3"))!.lot.startDate).toBe("2025-06-01");
    const single = await getLotPage("esempio-fornitura-di-energia-elettrica-consip-1", "1");
    expect(single!.lot).toMatchObject({ cig: "07E5C3A18F", usedValue: 1_750_000_00, sharePct: 35 });
  });

  it("finds no lot for a number that does not exist or is not a number", async () => {
    expect(await getLotPage(PULIZIA, "9")).toBeNull();
    expect(await getLotPage(PULIZIA, "uno")).toBeNull();
    expect(await getLotPage(PULIZIA, "-1")).toBeNull();
    expect(await getLotPage("non-esiste", "1")).toBeNull();
  });

  it("keeps every lot field through the back-office form and back", async () => {
    const input = {
      slug: "lotti-andata-ritorno",
      aggregator: "consip",
      category: "buoni-pasto",
      instrument: "convenzione" as const,
      title: "Buoni pasto con tre lotti",
      summary: "",
      description: "",
      status: "active" as const,
      example: true,
      startDate: "2026-01-01",
      endDate: "2028-12-31",
      lots: [
        { number: 1, name: "Nord", region: "Lombardia", territory: "Lombardia", supplier: "Alfa S.p.A.", ceiling: 1000, used: 900, cig: "AAAAAAAAA1" },
        { number: 2, name: "Centro", region: "Lazio", territory: "", ceiling: 500, status: "exhausted" as const, cig: "AAAAAAAAA2", startDate: "2026-03-01", endDate: "2027-12-31" },
        { number: 3, name: "Sud", region: "Campania", territory: "Campania" },
      ],
    };
    const { id } = await saveConvention(input);
    const values = await conventionFormValues(id);
    const form = new FormData();
    for (const [k, v] of Object.entries(values!)) form.set(k, v);
    const decoded = ConventionSeed.parse(conventionCodec(id, ACTOR).decode(form));
    expect(decoded.lots).toEqual([
      { number: 1, name: "Nord", region: "Lombardia", territory: "Lombardia", supplier: "Alfa S.p.A.", ceiling: 1000, used: 900, cig: "AAAAAAAAA1" },
      { number: 2, name: "Centro", region: "Lazio", territory: "", ceiling: 500, status: "exhausted", cig: "AAAAAAAAA2", startDate: "2026-03-01", endDate: "2027-12-31" },
      { number: 3, name: "Sud", region: "Campania", territory: "Campania" },
    ]);
    expect((await saveConvention(decoded, { id })).unchanged).toBe(true);
  });

  it("refuses a lot whose used amount exceeds its ceiling or whose end precedes its start", async () => {
    const base = { slug: "x-lotti", aggregator: "consip", category: "buoni-pasto", instrument: "convenzione", title: "Prova dei lotti", status: "active" };
    const over = ConventionSeed.safeParse({ ...base, lots: [{ number: 1, name: "Uno", region: "Lazio", ceiling: 10, used: 11 }] });
    expect(over.success).toBe(false);
    expect(over.error!.issues[0]!.message).toBe("l'importo utilizzato supera il massimale del lotto");
    const dates = ConventionSeed.safeParse({ ...base, lots: [{ number: 1, name: "Uno", region: "Lazio", startDate: "2027-01-01", endDate: "2026-01-01" }] });
    expect(dates.error!.issues[0]!.message).toBe("la fine del lotto non può precedere l'inizio");
  });
});

describe("the comparison", () => {
  it("lines up the national lot for the region beside the regional lots, not the national lots of other regions", async () => {
    const result = await compareLots("pulizia-uffici", "Pulizia di uffici", "Lombardia");
    expect(result.national.map((s) => s.lot.name)).toEqual(["Lotto 1 – Lombardia"]);
    expect(result.national[0]!.joining.mandatory).toBe(true);
    expect(result.national[0]!.platform?.name).toBeTruthy();
    const regional = result.regional.map((s) => s.convention.aggregator.id).sort();
    expect(regional).toEqual(["centrale-acquisti-lombardia", "citta-metropolitana-milano"]);
    expect(result.regional.find((s) => s.convention.instrumentType === "gara_su_delega")!.state.label).toBe("Deleghe aperte");
    expect(result.summary.join(" ")).toContain("Il lotto nazionale è il più utilizzato: 90%");
  });

  it("says when a region has only one side, or none", async () => {
    const onlyNational = await compareLots("energia-elettrica", "Energia elettrica", "Lazio");
    expect(onlyNational.regional).toEqual([]);
    expect(onlyNational.national.map((s) => s.lot.region)).toEqual(["Italia"]);
    expect(onlyNational.summary[0]).toBe("In Lazio non c'è un lotto regionale per Energia elettrica: c'è solo l'offerta nazionale.");
    const none = await compareLots("pulizia-uffici", "Pulizia di uffici", "Sicilia");
    expect(none.national).toEqual([]);
    expect(none.summary[0]).toContain("né un lotto nazionale né un lotto regionale");
  });
});

describe("the per-lot alert", () => {
  it("warns a lot's watcher once at 90%, once when exhausted, and nobody else", async () => {
    const id = await conventionId(PULIZIA);
    // By email, with the double opt-in: the confirmation link arrives, then the welcome.
    expect(await subscribe({ email: "lotto@example.it", kinds: [], categories: [], aggregators: [], regions: [], frequency: "immediate", consent: "si", conventionId: id, lotNumber: 1 }, { ip: "127.0.0.1" })).toBe("check-inbox");
    await mailQueueSettled(tdb.db);
    const confirmation = await sink.waitFor(1);
    const token = /\/avvisi\/conferma\?t=([\w-]+)/.exec(confirmation[0]!.text ?? "")![1]!;
    const confirmed = await confirmSubscription(token);
    expect(confirmed).not.toBeNull();
    await mailQueueSettled(tdb.db);
    const welcome = (await sink.waitFor(2))[1]!;
    expect(welcome.text).toContain(`Esaurimento e scadenza di «Servizi di pulizia e igiene ambientale per gli uffici – Consip – Lotto 1 – Lombardia»`);
    const view = await openPreferences(confirmed!.subscriberId);
    expect(view!.view.watches).toEqual([expect.objectContaining({ href: `/convenzioni/${PULIZIA}/lotti/1`, lot: { number: 1, name: "Lotto 1 – Lombardia" } })]);

    // Others: the whole convention's watcher and the watcher of another lot hear nothing about lot 1.
    const [wholeWatcher, otherLotWatcher] = await addSubscribers(tdb.db, [{ email: "convenzione@example.it", kinds: [] }, { email: "lotto2@example.it", kinds: [] }]);
    await tdb.db.insert(conventionWatches).values([
      { subscriberId: wholeWatcher!, conventionId: id },
      { subscriberId: otherLotWatcher!, conventionId: id, lotNumber: 2 },
    ]);
    sink.messages.length = 0;

    const { worker, mailer } = testWorker(tdb.db, sink.url);
    for (let i = 0; i < 3; i += 1) {
      await createLotWarnings(tdb.db);
      await createExpiryWarnings(tdb.db);
      await worker.runPass();
    }
    expect(sink.messages.map((m) => [m.to && "text" in m.to ? m.to.text : "", m.subject])).toEqual([
      ["lotto@example.it", "Scadenza: Il lotto «Lotto 1 – Lombardia» di «Servizi di pulizia e igiene ambientale per gli uffici – Consip» ha usato almeno il 90% del massimale"],
    ]);
    expect(sink.messages[0]!.text).toContain(`${SITE}/convenzioni/${PULIZIA}/lotti/1`);

    // The lot runs out: one more message, once.
    await tdb.db.update(conventionLots).set({ usedValue: 40_000_000_00 }).where(and(eq(conventionLots.conventionId, id), eq(conventionLots.number, 1)));
    for (let i = 0; i < 3; i += 1) {
      await createLotWarnings(tdb.db);
      await worker.runPass();
    }
    await mailer.close();
    expect(sink.messages.map((m) => m.subject)).toEqual([
      expect.stringContaining("ha usato almeno il 90%"),
      "Scadenza: Il lotto «Lotto 1 – Lombardia» di «Servizi di pulizia e igiene ambientale per gli uffici – Consip» è esaurito",
    ]);
    expect(new Set(sink.messages.map((m) => (m.to && "text" in m.to ? m.to.text : "")))).toEqual(new Set(["lotto@example.it"]));
  });

  it("refuses to watch a lot that does not exist", async () => {
    const id = await conventionId(PULIZIA);
    await expect(
      subscribe({ email: "nessuno@example.it", kinds: [], categories: [], aggregators: [], regions: [], frequency: "immediate", consent: "si", conventionId: id, lotNumber: 9 }, { ip: "127.0.0.2" }),
    ).rejects.toThrow("Il lotto indicato non esiste più.");
  });
});
