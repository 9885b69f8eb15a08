/**
 * Two real Aggrega servers on loopback, each with its own database: B follows
 * A. A publishes a plan item and a convention through its domain functions;
 * B's federation job (its worker, started with FEDERATION_PEERS) and then one
 * poll at a time (pollPeer with B's database) bring them to B with A's
 * attribution; B's matching subscriber gets one alert from B's own worker
 * over a real SMTP peer; a second poll changes and sends nothing; what A
 * withdraws goes from B at the next poll. Peers that are down, slow, too big
 * or send garbage change nothing.
 */
import { createServer, type Server } from "node:http";
import path from "node:path";
import { and, eq, isNull, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { activityPlanItems, announcements, conventions, deliveries, federationPeers, subscribers } from "@db/schema";
import { planFormValues, saveConvention, savePlan } from "@/catalog";
import { useConnection, type Connection } from "@/lib/db";
import { pollPeer, type PollOptions } from "@/interop/federation";
import { addSubscribers } from "../helpers/alerts";
import { signedInAs } from "../helpers/auth";
import { ROOT, useSiteDatabase } from "../helpers/db";
import { freePort } from "../helpers/ports";
import { startSite, type RunningSite } from "../helpers/server";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

const SCHEMAS = path.resolve(ROOT, "../shared/fixtures/procurement/ocds-1.1.5");
const OPTIONS: PollOptions = { maxBytes: 50 * 1024 * 1024, timeoutMs: 20_000, schemasDir: SCHEMAS };
const PLAN_TITLE = "Servizi di vigilanza armata per le sedi della Regione";
const CONVENTION_TITLE = "Convenzione per la vigilanza armata e il portierato negli enti emiliani e romagnoli";
const SUBSCRIBER = "vigilanza@example.it";

const text = async (url: string) => (await fetch(url)).text();

describe("federation: B follows A", () => {
  let smtp: SmtpSink;
  let a: RunningSite;
  let b: RunningSite;
  let dbA: Connection;
  let dbB: Connection;
  let planId = 0;

  /** Every announcement of B fanned out and every delivery settled: after this, counting mail proves what was sent. */
  async function bSettled() {
    useConnection(dbB);
    await vi.waitFor(
      async () => {
        expect(await dbB.db.select({ id: announcements.id }).from(announcements).where(isNull(announcements.fannedOutAt))).toHaveLength(0);
        expect(await dbB.db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.status, "queued"))).toHaveLength(0);
      },
      { timeout: 30_000, interval: 50 },
    );
  }

  const mailTo = (address: string) => smtp.messages.filter((m) => (m.to as { text: string } | undefined)?.text.includes(address));

  async function publishOnA(items: { title: string }[]) {
    useConnection(dbA);
    const saved = await savePlan({
      aggregator: "intercent-er",
      year: 2031,
      notes: "",
      example: false,
      items: items.map((i) => ({ ...i, category: "vigilanza-armata", instrument: "convenzione" as const, period: "2031-T2", estimatedValue: 1_200_000 })),
    });
    planId = saved.id;
  }

  beforeAll(async () => {
    smtp = await startSmtpSink();
    a = await startSite({ WORKER: "off" });
    dbA = await useSiteDatabase(a);
    // B follows A with its own worker; a day between polls, so after its first poll the test polls on its own.
    b = await startSite({ SMTP_URL: smtp.url, ALERTS_POLL_MS: "100", FEDERATION_PEERS: `${a.baseUrl}/`, FEDERATION_POLL_MS: "86400000", OCDS_SCHEMAS_DIR: SCHEMAS });
    dbB = await useSiteDatabase(b);
  }, 300_000);

  afterAll(async () => {
    // Close the test's own connections first: stopping a site removes its database folder.
    dbA?.close();
    dbB?.close();
    await b?.stop();
    await a?.stop();
    await smtp?.close();
  });

  it("B's worker polls A on its own and follows none of A's demonstration data", async () => {
    const peer = await vi.waitFor(
      async () => {
        const [row] = await dbB.db.select().from(federationPeers).where(eq(federationPeers.url, a.baseUrl));
        expect(row?.importedAt).toBeTruthy();
        return row!;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(peer.lastError, b.output()).toBeNull();
    expect(peer.etag).toMatch(/^"/);
    expect(peer.name).toContain(a.baseUrl);
    // Both sites hold the same seed; A's examples are not followed and its two real instruments match B's own by title.
    expect(await dbB.db.select().from(conventions).where(like(conventions.sourceKey, "federation:%"))).toHaveLength(0);
    expect(await dbB.db.select().from(activityPlanItems).where(like(activityPlanItems.sourceKey, "federation:%"))).toHaveLength(0);

    useConnection(dbB);
    const { cookie } = await signedInAs(b, "editor");
    const status = await (await fetch(`${b.baseUrl}/gestione/federazione`, { headers: { cookie } })).text();
    expect(status).toContain(`href="${a.baseUrl}"`);
    expect(status).toContain("0 convenzioni, 0 voci di piano");
    expect(status).toContain("Riuscito");
  });

  it("brings a plan published on A to B with A's attribution, and alerts B's matching subscriber once", async () => {
    await bSettled();
    await dbB.db.delete(subscribers);
    await addSubscribers(dbB.db, [
      { email: SUBSCRIBER, kinds: ["planned"], categories: ["vigilanza-armata"] },
      { email: "altra-categoria@example.it", kinds: ["planned"], categories: ["buoni-pasto"] },
    ]);
    await publishOnA([{ title: PLAN_TITLE }]);
    expect(await text(`${a.baseUrl}/dati/ocds/releases.json`)).toContain(PLAN_TITLE);

    useConnection(dbB);
    const first = await pollPeer(a.baseUrl, OPTIONS);
    expect(first, JSON.stringify(first)).toMatchObject({ outcome: "imported", plans: { created: 1, updated: 0 } });

    const [item] = await dbB.db.select().from(activityPlanItems).where(eq(activityPlanItems.title, PLAN_TITLE));
    expect(item?.sourceKey).toMatch(new RegExp(`^federation:${a.baseUrl.replace(/\./g, "\\.")}\\|ocds-`));
    expect(item?.sourceName).toContain(a.baseUrl);
    expect(item?.categoryId).toBe("vigilanza-armata");
    expect(item?.expectedPeriod).toBe("2031-T2");
    expect(item?.estimatedValue).toBe(120_000_000);

    const page = await text(`${b.baseUrl}/piani-attivita?anno=2031`);
    expect(page).toContain(PLAN_TITLE);
    expect(page).toMatch(new RegExp(`Fonte: [^<]*\\(${a.baseUrl.replace(/\./g, "\\.")}\\)`));

    // The read API names the source and keeps the source's ocid.
    const api = (await (await fetch(`${b.baseUrl}/api/v1/piani?anno=2031`)).json()) as { data: { items: { title: string; ocid: string; source: string | null }[] }[] };
    const apiItem = api.data.flatMap((p) => p.items).find((i) => i.title === PLAN_TITLE);
    expect(apiItem?.source).toContain(a.baseUrl);
    expect(apiItem?.ocid).toBe(item!.sourceKey!.split("|")[1]);

    const [mail] = await vi.waitFor(
      () => {
        const found = mailTo(SUBSCRIBER);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(mail!.subject).toContain(PLAN_TITLE);
    await bSettled();
    expect(mailTo("altra-categoria@example.it")).toHaveLength(0);
  });

  it("does not publish A's plan again in B's own OCDS package", async () => {
    const own = await text(`${b.baseUrl}/dati/ocds/releases.json`);
    expect(own).not.toContain(PLAN_TITLE);
  });

  it("changes and sends nothing on a second poll, whether A answers 304 or the whole package again", async () => {
    useConnection(dbB);
    const before = (await dbB.db.select({ id: announcements.id }).from(announcements)).length;
    expect(await pollPeer(a.baseUrl, OPTIONS)).toMatchObject({ outcome: "not-modified" });
    // Without the stored validators A sends the package again: the same plan is found by its source key.
    await dbB.db.update(federationPeers).set({ etag: null, lastModified: null }).where(eq(federationPeers.url, a.baseUrl));
    expect(await pollPeer(a.baseUrl, OPTIONS)).toMatchObject({ outcome: "imported", plans: { created: 0, updated: 0, unchanged: 1 }, withdrawn: { conventions: 0, planItems: 0 } });
    expect(await dbB.db.select({ id: announcements.id }).from(announcements)).toHaveLength(before);
    await bSettled();
    expect(mailTo(SUBSCRIBER)).toHaveLength(1);
  });

  it("keeps A's item when B's back office saves the same plan, and does not offer it in B's plan form", async () => {
    useConnection(dbB);
    const [followed] = await dbB.db.select().from(activityPlanItems).where(eq(activityPlanItems.title, PLAN_TITLE));
    const local = await savePlan({ aggregator: "intercent-er", year: 2031, notes: "", example: false, items: [{ title: "Servizi di portierato per le sedi della Regione" }] });
    expect(local.id).toBe(followed!.planId);
    const items = await dbB.db.select().from(activityPlanItems).where(eq(activityPlanItems.planId, local.id));
    expect(items.map((i) => i.title).sort()).toEqual(["Servizi di portierato per le sedi della Regione", PLAN_TITLE]);
    const form = await planFormValues(local.id);
    expect(form?.items).toContain("Servizi di portierato per le sedi della Regione");
    expect(form?.items).not.toContain(PLAN_TITLE);
  });

  it("follows A's conventions into B's catalog and comparison page, and withdraws what A withdraws", async () => {
    useConnection(dbA);
    await saveConvention({
      slug: "vigilanza-armata-emilia-romagna-2031",
      aggregator: "intercent-er",
      category: "vigilanza-armata",
      instrument: "convenzione",
      title: CONVENTION_TITLE,
      summary: "Vigilanza armata e servizi di portierato per le amministrazioni del territorio regionale.",
      description: "Convenzione di prova della federazione tra due istanze.",
      status: "active",
      publishedOn: "2031-01-10",
      startDate: "2031-02-01",
      endDate: "2033-01-31",
      ceiling: 5_000_000,
      example: false,
      lots: [{ number: 1, name: "Emilia-Romagna", region: "Emilia-Romagna", territory: "Tutta la regione", supplier: "Vigilanza Emiliana S.p.A." }],
    });
    useConnection(dbB);
    expect(await pollPeer(a.baseUrl, OPTIONS)).toMatchObject({ outcome: "imported", conventions: { created: 1 }, plans: { created: 0, unchanged: 1 } });
    const [followed] = await dbB.db.select().from(conventions).where(eq(conventions.title, CONVENTION_TITLE));
    expect(followed?.sourceName).toContain(a.baseUrl);
    expect(followed).toMatchObject({ instrumentType: "convenzione", status: "active", categoryId: "vigilanza-armata", aggregatorId: "intercent-er" });
    const card = await text(`${b.baseUrl}/convenzioni/${followed!.slug}`);
    expect(card).toMatch(new RegExp(`Fonte: [^<]*\\(${a.baseUrl.replace(/\./g, "\\.")}\\)`));
    const comparison = await text(`${b.baseUrl}/convenzioni/confronto?categoria=vigilanza-armata&regione=Emilia-Romagna`);
    expect(comparison).toContain(CONVENTION_TITLE);
    expect(await text(`${b.baseUrl}/dati/ocds/releases.json`)).not.toContain(CONVENTION_TITLE);
    const { cookie } = await signedInAs(b, "editor");
    expect(await (await fetch(`${b.baseUrl}/gestione/federazione`, { headers: { cookie } })).text()).toContain("1 convenzione, 1 voce di piano");

    // A withdraws the plan item (its plan no longer lists it) and deletes the convention.
    await publishOnA([]);
    useConnection(dbA);
    await dbA.db.delete(conventions).where(eq(conventions.title, CONVENTION_TITLE));
    useConnection(dbB);
    expect(await pollPeer(a.baseUrl, OPTIONS)).toMatchObject({ outcome: "imported", withdrawn: { conventions: 1, planItems: 1 } });
    expect(await dbB.db.select().from(activityPlanItems).where(eq(activityPlanItems.title, PLAN_TITLE))).toHaveLength(0);
    expect(await dbB.db.select().from(conventions).where(eq(conventions.title, CONVENTION_TITLE))).toHaveLength(0);
    expect(await text(`${b.baseUrl}/piani-attivita?anno=2031`)).not.toContain(PLAN_TITLE);
    expect(planId).toBeGreaterThan(0);
  });
});

describe("federation: a peer that fails changes nothing", () => {
  let conn: Connection;
  let server: Server;
  let base = "";
  let dir = "";
  const answers: Record<string, (res: import("node:http").ServerResponse) => void> = {
    "/rotto/dati/ocds/releases.json": (res) => res.writeHead(200, { "Content-Type": "application/json" }).end("<html>non è JSON</html>"),
    "/errore/dati/ocds/releases.json": (res) => res.writeHead(503).end(),
    "/grande/dati/ocds/releases.json": (res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ releases: [], padding: "x".repeat(4096) })),
    "/lento/dati/ocds/releases.json": () => {
      // Never answers: the poll's deadline ends the request.
    },
  };

  beforeAll(async () => {
    const { createTestDatabase } = await import("../helpers/db");
    const tdb = await createTestDatabase();
    conn = tdb;
    dir = tdb.dir;
    server = createServer((req, res) => (answers[req.url ?? ""] ?? ((r) => r.writeHead(404).end()))(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    conn?.client.close();
    if (dir) await (await import("node:fs/promises")).rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["rotto", /il pacchetto di .* non è utilizzabile: non è un file JSON valido/],
    ["errore", /ha risposto 503/],
    ["grande", /più del limite di 1024 byte/],
    ["lento", /non ha risposto entro 300 ms/],
  ])("%s: the poll fails with the reason, stores no validators and writes nothing", async (name, reason) => {
    useConnection(conn);
    const peer = `${base}/${name}`;
    const result = await pollPeer(peer, { ...OPTIONS, maxBytes: 1024, timeoutMs: 300 });
    expect(result.outcome).toBe("failed");
    expect(result.error).toMatch(reason);
    const [row] = await conn.db.select().from(federationPeers).where(eq(federationPeers.url, peer));
    expect(row).toMatchObject({ etag: null, importedAt: null, lastError: result.error });
    expect(await conn.db.select().from(activityPlanItems)).toHaveLength(0);
    expect(await conn.db.select().from(announcements)).toHaveLength(0);
  });

  it("a peer that is down is reported as unreachable", async () => {
    useConnection(conn);
    const peer = `http://127.0.0.1:${await freePort()}`;
    const result = await pollPeer(peer, OPTIONS);
    expect(result).toMatchObject({ outcome: "failed" });
    expect(result.error).toMatch(/non è raggiungibile \(ECONNREFUSED\)/);
    const [row] = await conn.db.select().from(federationPeers).where(and(eq(federationPeers.url, peer)));
    expect(row?.lastError).toBe(result.error);
  });
});
