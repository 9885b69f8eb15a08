import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { announcements, conventionWatches, deliveries, savedSearches, subscribers } from "@db/schema";
import { announce } from "@/outbox";
import { createExpiryWarnings } from "@/alerts/maintenance";
import { nextDigestAt } from "@/alerts/worker";
import { announcementDeliveries, deliveryOverview, retryFailedDeliveries } from "@/alerts/status";
import { saveConvention } from "@/catalog/write";
import { addDays, todayInItaly } from "@/lib/dates";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { addSubscribers, testWorker } from "../helpers/alerts";

let tdb: TestDatabase;
let sink: SmtpSink;
let seq = 0;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
  await tdb.cleanup();
});
beforeEach(async () => {
  sink.messages.length = 0;
  sink.rejectRecipients.clear();
  // Seeded content was announced too; each test starts from a drained outbox and its own subscribers.
  await tdb.db.update(subscribers).set({ status: "unsubscribed" });
  await tdb.db.update(announcements).set({ fannedOutAt: new Date() }).where(sql`${announcements.fannedOutAt} IS NULL`);
});

async function publishPress(extra: { categoryId?: string; aggregatorIds?: string[] } = {}) {
  seq += 1;
  await announce(tdb.db, {
    kind: "press",
    eventKey: `press:test-${seq}:published`,
    entityType: "press_release",
    entityId: seq,
    title: `Comunicato di prova ${seq}`,
    summary: "Una notizia per i fornitori.",
    path: `/sala-stampa/comunicato-${seq}`,
    ...extra,
  });
  return seq;
}

const recipients = (s: SmtpSink) => s.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.text).sort();

describe("alert pipeline against a real SMTP peer", () => {
  it("sends one message per matching subscriber, with list headers and a deterministic Message-ID", async () => {
    await addSubscribers(tdb.db, [
      { email: "tutto@example.it" },
      { email: "sanita@example.it", kinds: ["press"], categories: ["pulizia-uffici"] },
      { email: "solo-convenzioni@example.it", kinds: ["convention"] },
      { email: "consip@example.it", kinds: ["press"], aggregators: ["consip"] },
    ]);
    await publishPress({ categoryId: "pulizia-uffici", aggregatorIds: ["intercent-er"] });
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    const pass = await worker.runPass();
    await mailer.close();
    expect(pass.sent).toBe(2);
    expect(recipients(sink)).toEqual(["sanita@example.it", "tutto@example.it"]);
    const mail = sink.messages[0]!;
    expect(mail.messageId).toMatch(/^<avviso\.\d+\.\d+@aggrega\.test>$/);
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/\r\n\s+/g, " ");
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    expect(header("list-unsubscribe")).toMatch(/^List-Unsubscribe: <http:\/\/aggrega\.test\/avvisi\/disiscrizione\?t=\d+\.disiscrizione\.[\w-]{32}>$/);
    expect(header("list-id")).toBe("List-ID: Avvisi Aggrega <avvisi.aggrega.test>");
    expect(header("precedence")).toBe("Precedence: bulk");
    expect(header("auto-submitted")).toBe("Auto-Submitted: auto-generated");
    expect(mail.html).toContain('<html lang="it">');
    expect(mail.text).toContain("http://aggrega.test/sala-stampa/comunicato-");
    const rows = await tdb.db.select().from(deliveries).where(eq(deliveries.status, "sent"));
    expect(rows.map((r) => r.messageId)).toContain(mail.messageId);

    const again = testWorker(tdb.db, sink.url);
    expect((await again.worker.runPass()).sent).toBe(0);
    await again.mailer.close();
  });

  it("keeps messages while the SMTP peer is down and delivers them once when it is back", async () => {
    await addSubscribers(tdb.db, [{ email: "attesa-1@example.it", kinds: ["press"] }, { email: "attesa-2@example.it", kinds: ["press"] }]);
    const port = sink.port;
    await sink.close();
    await publishPress();
    let clock = Date.now();
    const { worker, mailer } = testWorker(tdb.db, `smtp://127.0.0.1:${port}`, { retryBaseMs: 1000, now: () => clock });
    const down = await worker.runPass();
    expect(down.sent).toBe(0);
    const waiting = await tdb.db.select().from(deliveries).where(sql`${deliveries.lastError} IS NOT NULL AND ${deliveries.status} = 'queued'`);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting.every((d) => d.nextAttemptAt.getTime() > clock)).toBe(true);

    sink = await startSmtpSink(port);
    clock += 10_000;
    const back = await worker.runPass();
    await mailer.close();
    expect(back.sent).toBeGreaterThanOrEqual(2);
    expect(recipients(sink).filter((r) => r.startsWith("attesa-"))).toEqual(["attesa-1@example.it", "attesa-2@example.it"]);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(sink.messages.length);
  });

  it("marks a 5xx address failed and suppresses it after repeated permanent failures", async () => {
    const [bad] = await addSubscribers(tdb.db, [{ email: "rimbalza@example.it", kinds: ["initiative"] }]);
    sink.rejectRecipients.add("rimbalza@example.it");
    const { worker, mailer } = testWorker(tdb.db, sink.url, { suppressAfter: 2 });
    for (let i = 0; i < 3; i += 1) {
      seq += 1;
      await announce(tdb.db, { kind: "initiative", eventKey: `initiative:test-${seq}`, entityType: "joint_initiative", entityId: seq, title: `Iniziativa ${seq}`, path: "/iniziative-congiunte/x" });
      await worker.runPass();
    }
    await mailer.close();
    const rows = await tdb.db.select().from(deliveries).where(eq(deliveries.subscriberId, bad!));
    expect(rows.filter((r) => r.status === "failed")).toHaveLength(2);
    expect(rows.find((r) => r.status === "failed")!.lastError).toMatch(/550/);
    const [subscriber] = await tdb.db.select().from(subscribers).where(eq(subscribers.id, bad!));
    expect(subscriber!.status).toBe("suppressed");
    expect(sink.messages).toHaveLength(0);
  });

  it("shows queued, sent and failed counts with reasons, and retries failures from the back office", async () => {
    await addSubscribers(tdb.db, [{ email: "ok@example.it", kinds: ["press"] }, { email: "pieno@example.it", kinds: ["press"] }]);
    sink.rejectRecipients.add("pieno@example.it");
    const id = await publishPress();
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    await worker.runPass();
    const [row] = await tdb.db.select().from(announcements).where(eq(announcements.eventKey, `press:test-${id}:published`));
    const overview = await deliveryOverview(1);
    expect(overview.items.find((a) => a.id === row!.id)!.counts).toEqual({ queued: 0, sent: 1, failed: 1, cancelled: 0 });
    const detail = await announcementDeliveries(row!.id);
    expect(detail!.failures).toHaveLength(1);
    expect(detail!.failures[0]).toMatchObject({ email: "pieno@example.it", attempts: 1 });
    expect(detail!.failures[0]!.reason).toMatch(/550/);

    sink.rejectRecipients.clear();
    expect(await retryFailedDeliveries(row!.id, { id: null, label: "test" })).toBe(1);
    expect((await announcementDeliveries(row!.id))!.announcement.counts.queued).toBe(1);
    await worker.runPass();
    await mailer.close();
    expect((await announcementDeliveries(row!.id))!.announcement.counts).toEqual({ queued: 0, sent: 2, failed: 0, cancelled: 0 });
    expect(recipients(sink)).toEqual(["ok@example.it", "pieno@example.it"]);
  });

  it("announces a new convention to a matching saved search and stays silent for one that does not match", async () => {
    const [searcher] = await addSubscribers(tdb.db, [{ email: "ricerca@example.it", kinds: [] }]);
    await tdb.db.insert(savedSearches).values({ subscriberId: searcher!, label: "Vigilanza in Lombardia", query: { categoria: "vigilanza-armata", regione: "Lombardia" } });
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    const base = { instrument: "convenzione" as const, summary: "", description: "", example: true, status: "active" as const };
    await saveConvention({ ...base, slug: "energia-test-piemonte", aggregator: "consip", category: "energia-elettrica", title: "Energia elettrica di prova", lots: [] });
    await worker.runPass();
    expect(sink.messages).toHaveLength(0);
    await saveConvention({
      ...base,
      slug: "vigilanza-test-lombardia",
      aggregator: "centrale-acquisti-lombardia",
      category: "vigilanza-armata",
      title: "Vigilanza armata di prova",
      lots: [{ number: 1, name: "Lotto unico", region: "Lombardia", territory: "Lombardia" }],
    });
    await worker.runPass();
    await mailer.close();
    expect(recipients(sink)).toEqual(["ricerca@example.it"]);
    expect(sink.messages[0]!.subject).toContain("Vigilanza armata di prova");
  });

  it("sends an expiry warning once, however often the worker runs", async () => {
    const [watcher] = await addSubscribers(tdb.db, [{ email: "scadenze@example.it", kinds: [] }]);
    const { id } = await saveConvention({
      slug: "pulizia-in-scadenza",
      aggregator: "intercent-er",
      category: "pulizia-uffici",
      instrument: "convenzione",
      title: "Pulizia in scadenza",
      summary: "",
      description: "",
      example: true,
      status: "active",
      startDate: addDays(todayInItaly(), -300),
      endDate: addDays(todayInItaly(), 20),
      lots: [],
    });
    await tdb.db.insert(conventionWatches).values({ subscriberId: watcher!, conventionId: id });
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    for (let i = 0; i < 4; i += 1) {
      await createExpiryWarnings(tdb.db);
      await worker.runPass();
    }
    await mailer.close();
    const warnings = sink.messages.filter((m) => m.subject?.startsWith("Scadenza"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.subject).toContain("Pulizia in scadenza");
    expect(recipients(sink)).toEqual(["scadenze@example.it"]);
  });

  it("waits for a transaction open in the same process instead of colliding with it", async () => {
    await addSubscribers(tdb.db, [{ email: "paziente@example.it", kinds: ["press"] }]);
    await publishPress();
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A request's write transaction, still open while the worker wants to write.
    const request = tdb.db.transaction(async (tx) => {
      await tx.insert(announcements).values({ kind: "press", eventKey: "press:in-transazione", entityType: "press_release", entityId: "x", title: "In transazione", path: "/x", aggregatorIds: [], regions: [] });
      await held;
    });
    const started = Date.now();
    const pass = worker.runPass();
    // Part of what is tested: the request's transaction stays open a while after the pass started.
    await new Promise((r) => setTimeout(r, 300));
    release();
    await request;
    const result = await pass;
    await mailer.close();
    expect(result.sent).toBeGreaterThanOrEqual(1);
    expect(recipients(sink)).toContain("paziente@example.it");
    // Far below the 5 s busy timeout a collision would have cost.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("groups a weekly subscriber's items into one digest on the digest day", async () => {
    await addSubscribers(tdb.db, [{ email: "settimanale@example.it", kinds: ["press"], frequency: "weekly" }]);
    let clock = Date.now();
    const { worker, mailer } = testWorker(tdb.db, sink.url, { now: () => clock });
    await publishPress();
    await publishPress();
    await worker.runPass();
    expect(sink.messages).toHaveLength(0);
    clock = nextDigestAt(clock) + 1000;
    await worker.runPass();
    await worker.runPass();
    await mailer.close();
    expect(recipients(sink)).toEqual(["settimanale@example.it"]);
    expect(sink.messages[0]!.subject).toContain("2 novità");
    expect(sink.messages[0]!.text).toContain(`Comunicato di prova ${seq - 1}`);
    expect(sink.messages[0]!.text).toContain(`Comunicato di prova ${seq}`);
  });
});
