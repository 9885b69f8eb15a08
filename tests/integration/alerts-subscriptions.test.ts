import { eq } from "drizzle-orm";
import Parser from "rss-parser";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { announcements, deliveries, subscribers } from "@db/schema";
import { overrideConfig } from "@/config";
import { closeMailer } from "@/mail";
import { announce } from "@/outbox";
import {
  accountSubscriberId,
  confirmSubscription,
  feedResponse,
  kindScope,
  openPreferences,
  subscribe,
  subscriberFromToken,
  SubscriptionError,
  unsubscribe,
  updatePreferences,
} from "@/alerts";
import { purgeUnconfirmed } from "@/alerts/maintenance";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";
import { SITE, testWorker } from "../helpers/alerts";

let tdb: TestDatabase;
let sink: SmtpSink;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
  overrideConfig({ SMTP_URL: sink.url, SITE_URL: SITE, MAIL_FROM: "Aggrega <avvisi@aggrega.test>" });
  await tdb.db.update(announcements).set({ fannedOutAt: new Date() });
});
afterAll(async () => {
  await closeMailer();
  await sink.close();
  await tdb.cleanup();
});

const client = { ip: "127.0.0.1" };
const base = { kinds: ["press"], categories: [], aggregators: [], regions: [], frequency: "immediate" as const, consent: "si" as const };
const tokenIn = (text: string | undefined, path: string) => new RegExp(`${path}\\?t=([\\w.-]+)`).exec(text ?? "")?.[1];

async function publish(key: string) {
  await announce(tdb.db, { kind: "press", eventKey: key, entityType: "press_release", entityId: key, title: `Comunicato ${key}`, summary: "Sintesi", path: `/sala-stampa/${key}` });
}

describe("subscription without an account", () => {
  it("double opt-in, welcome, alert, unsubscribe: end to end against a real SMTP peer", async () => {
    expect(await subscribe({ ...base, email: "Ufficio.Acquisti@Comune.example.it" }, client)).toBe("check-inbox");
    const [confirmation] = await sink.waitFor(1);
    expect(confirmation!.subject).toContain("Conferma");
    const token = tokenIn(confirmation!.text, "/avvisi/conferma");
    expect(token).toBeDefined();
    const [pending] = await tdb.db.select().from(subscribers).where(eq(subscribers.email, "ufficio.acquisti@comune.example.it"));
    expect(pending!.status).toBe("pending");
    expect(pending!.consentText).toContain("Acconsento");
    expect(pending!.confirmTokenHash).not.toBe(token);

    // Before confirmation nothing is sent.
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    await publish("press:prima:published");
    await worker.runPass();
    expect(sink.messages).toHaveLength(1);

    const confirmed = await confirmSubscription(token!);
    expect(confirmed).not.toBeNull();
    expect(await confirmSubscription(token!)).toBeNull();
    const [, welcome] = await sink.waitFor(2);
    expect(welcome!.subject).toContain("Iscrizione confermata");
    expect(welcome!.text).toContain("Comunicati stampa");
    expect(welcome!.text).toContain(`${SITE}/avvisi/preferenze?t=`);

    await publish("press:seconda:published");
    await worker.runPass();
    const [, , alert] = await sink.waitFor(3);
    expect(alert!.subject).toBe("Comunicato stampa: Comunicato press:seconda:published");
    const unsubscribeToken = tokenIn(alert!.text, "/avvisi/disiscrizione");
    const id = await subscriberFromToken(unsubscribeToken!, "disiscrizione");
    expect(id).toBe(confirmed!.subscriberId);
    expect(await subscriberFromToken(unsubscribeToken!, "preferenze")).toBeNull();
    expect(await subscriberFromToken(`${unsubscribeToken!.slice(0, -1)}A`, "disiscrizione")).toBeNull();

    await unsubscribe(id!);
    await publish("press:terza:published");
    await worker.runPass();
    await mailer.close();
    expect(sink.messages).toHaveLength(3);
  });

  it("an address already confirmed gets its preference link instead of a second opt-in", async () => {
    sink.messages.length = 0;
    await subscribe({ ...base, email: "doppio@example.it" }, client);
    await confirmSubscription(tokenIn((await sink.waitFor(1))[0]!.text, "/avvisi/conferma")!);
    await sink.waitFor(2);
    expect(await subscribe({ ...base, kinds: ["convention"], email: "doppio@example.it", ricerca: "categoria=vigilanza-armata" }, client)).toBe("check-inbox");
    const messages = await sink.waitFor(3);
    expect(messages[2]!.subject).toContain("già iscritto");
    // Its preference link offers the search that was asked for; nothing changed until the owner saves.
    expect(messages[2]!.text).toMatch(/\/avvisi\/preferenze\?t=[\w.-]+&ricerca=categoria%3Dvigilanza-armata/);
    const [row] = await tdb.db.select().from(subscribers).where(eq(subscribers.email, "doppio@example.it"));
    expect(row!.interests.kinds).toEqual(["press"]);
  });

  it("binds only the signed-in person's own verified address, and keeps the owner's pending link valid", async () => {
    sink.messages.length = 0;
    await subscribe({ ...base, email: "vittima.avvisi@example.it" }, client);
    const victimLink = tokenIn((await sink.waitFor(1))[0]!.text, "/avvisi/conferma")!;
    // Someone signed in (verified, another address) subscribes the victim's address.
    const intruder = { id: "utente-intruso", email: "intruso@example.it", emailVerified: true };
    expect(await subscribe({ ...base, kinds: ["convention"], email: "vittima.avvisi@example.it", user: intruder }, { ip: "192.0.2.77" })).toBe("check-inbox");
    const [row] = await tdb.db.select().from(subscribers).where(eq(subscribers.email, "vittima.avvisi@example.it"));
    expect(row!.userId).toBeNull();
    expect(row!.status).toBe("pending");
    expect(await accountSubscriberId(intruder)).toBeNull();
    // The owner's first link still confirms.
    expect(await confirmSubscription(victimLink)).not.toBeNull();
    // An account that registered the address without verifying it does not see the subscription.
    expect(await accountSubscriberId({ id: "utente-non-verificato", email: "vittima.avvisi@example.it", emailVerified: false })).toBeNull();
    expect(await accountSubscriberId({ id: "utente-verificato", email: "vittima.avvisi@example.it", emailVerified: true })).toBe(row!.id);
  });

  it("counts the per-address limit per mailbox, so +tags and dots do not multiply the mails", async () => {
    const spellings = ["bersaglio.avvisi+1@gmail.com", "Bersaglio.Avvisi+2@gmail.com", "b.e.r.s.a.g.l.i.o.avvisi@googlemail.com", "bersaglioavvisi+4@gmail.com"];
    const outcomes: string[] = [];
    for (const [i, email] of spellings.entries()) {
      outcomes.push(await subscribe({ ...base, email }, { ip: `198.51.100.${i + 10}` }).then((o) => o, (e: Error) => e.name));
    }
    expect(outcomes).toEqual(["check-inbox", "check-inbox", "check-inbox", "RateLimitedError"]);
  });

  it("refuses unknown choices and a subscription without any topic", async () => {
    await expect(subscribe({ ...base, email: "x@example.it", categories: ["inventata"] }, client)).rejects.toThrow(SubscriptionError);
    await expect(subscribe({ ...base, email: "x@example.it", kinds: [] }, client)).rejects.toThrow(/almeno un tipo/);
  });

  it("subscribes to exactly a catalog search and shows it in the preference centre", async () => {
    sink.messages.length = 0;
    await subscribe({ ...base, kinds: [], email: "ricerca@example.it", ricerca: "categoria=pulizia-uffici&regione=lombardia&pagina=3&x=1" }, client);
    // Mail queued by the previous tests may still be arriving: take the message sent to this address.
    const mail = await vi.waitFor(() => {
      const found = sink.messages.find((m) => JSON.stringify(m.to).includes("ricerca@example.it"));
      if (!found) throw new Error("no confirmation for ricerca@example.it yet");
      return found;
    });
    const confirmed = await confirmSubscription(tokenIn(mail.text, "/avvisi/conferma")!);
    const page = await openPreferences(confirmed!.subscriberId);
    expect(page!.view.searches).toHaveLength(1);
    expect(page!.view.searches[0]!.href).toBe("/convenzioni?categoria=pulizia-uffici&regione=Lombardia");
    expect(page!.view.searches[0]!.label).toContain("Lombardia");
    await expect(
      updatePreferences(confirmed!.subscriberId, { ...base, kinds: [], removeSearches: [page!.view.searches[0]!.id], removeWatches: [] }),
    ).rejects.toThrow(/annulla l'iscrizione/);
    await updatePreferences(confirmed!.subscriberId, { ...base, kinds: ["convention"], frequency: "weekly", removeSearches: [page!.view.searches[0]!.id], removeWatches: [] });
    const after = await openPreferences(confirmed!.subscriberId);
    expect(after!.view.searches).toHaveLength(0);
    expect(after!.view.frequency).toBe("weekly");
  });

  it("purges subscriptions nobody confirmed once the link has expired", async () => {
    await subscribe({ ...base, email: "mai-confermato@example.it" }, client);
    expect(await purgeUnconfirmed(tdb.db, new Date())).toBe(0);
    expect(await purgeUnconfirmed(tdb.db, new Date(Date.now() + 49 * 3_600_000))).toBeGreaterThanOrEqual(1);
    const rows = await tdb.db.select().from(subscribers).where(eq(subscribers.email, "mai-confermato@example.it"));
    expect(rows).toHaveLength(0);
  });

  it("cancels what was still queued when someone unsubscribes", async () => {
    const [row] = await tdb.db.select().from(subscribers).where(eq(subscribers.email, "doppio@example.it"));
    await publish("press:in-coda:published");
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    await worker.fanoutOne();
    await mailer.close();
    await unsubscribe(row!.id);
    const queued = await tdb.db.select().from(deliveries).where(eq(deliveries.subscriberId, row!.id));
    expect(queued.map((d) => d.status)).toContain("cancelled");
    expect(queued.map((d) => d.status)).not.toContain("queued");
  });
});

describe("RSS feeds", () => {
  const parser = new Parser();
  const get = (scope: Parameters<typeof feedResponse>[0], headers: Record<string, string> = {}) =>
    feedResponse(scope, new Request(`${SITE}/feed.xml`, { headers }));

  it("are valid RSS with stable GUIDs, dates and absolute links", async () => {
    const response = await get({ type: "all" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/rss+xml");
    const feed = await parser.parseString(await response.text());
    expect(feed.items.length).toBeGreaterThan(3);
    const item = feed.items.find((i) => i.title === "Comunicato press:seconda:published")!;
    expect(item.link).toBe(`${SITE}/sala-stampa/press:seconda:published`);
    expect(item.guid).toBe(`${SITE}/feed.xml#press%3Aseconda%3Apublished`);
    expect(Number.isNaN(Date.parse(item.pubDate!))).toBe(false);
    const again = await parser.parseString(await (await get({ type: "all" })).text());
    expect(again.items.map((i) => i.guid)).toEqual(feed.items.map((i) => i.guid));
  });

  it("stay well-formed XML when a title holds control characters or a CDATA end", async () => {
    await announce(tdb.db, { kind: "press", eventKey: "press:controllo:published", entityType: "press_release", entityId: 998, title: "Titolo\u0001 con ]]> e\u000b\rfine", summary: "Riga\u0002 uno\nriga due", path: "/sala-stampa/controllo" });
    const xml = await (await get({ type: "all" })).text();
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const feed = await parser.parseString(xml);
    const item = feed.items.find((i) => i.link?.endsWith("/sala-stampa/controllo"))!;
    expect(item.title).toBe("Titolo  con ]]> e  fine");
  });

  it("filter by kind, category and aggregator, and answer 404 for unknown ones", async () => {
    const press = await parser.parseString(await (await get(kindScope("press"))).text());
    // Each press item says what it is: a release or a news item.
    expect(press.items.every((i) => i.categories?.includes("Comunicato stampa") || i.categories?.includes("Notizia"))).toBe(true);
    await announce(tdb.db, { kind: "convention", eventKey: "convention:feed-test:active", entityType: "convention", entityId: 999, title: "Convenzione per il feed", path: "/convenzioni/feed", categoryId: "pulizia-uffici", aggregatorIds: ["intercent-er"] });
    const category = await parser.parseString(await (await get({ type: "category", id: "pulizia-uffici" })).text());
    expect(category.items.map((i) => i.title)).toContain("Convenzione per il feed");
    const aggregator = await parser.parseString(await (await get({ type: "aggregator", id: "intercent-er" })).text());
    expect(aggregator.items.map((i) => i.title)).toContain("Convenzione per il feed");
    const other = await parser.parseString(await (await get({ type: "aggregator", id: "consip" })).text());
    expect(other.items.map((i) => i.title)).not.toContain("Convenzione per il feed");
    expect((await get(kindScope("inventato"))).status).toBe(404);
    expect((await get({ type: "category", id: "inesistente" })).status).toBe(404);
  });

  it("answer 304 to If-None-Match and If-Modified-Since, and 200 once something new is announced", async () => {
    const first = await get(kindScope("press"));
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect((await get(kindScope("press"), { "If-None-Match": etag })).status).toBe(304);
    expect((await get(kindScope("press"), { "If-None-Match": `W/${etag}` })).status).toBe(304);
    expect((await get(kindScope("press"), { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await get(kindScope("press"), { "If-None-Match": '"altro"' })).status).toBe(200);
    // Part of what is tested: HTTP dates count whole seconds, so the new item must be announced in a later second
    // than the feed's Last-Modified for If-Modified-Since to see it as newer.
    await new Promise((r) => setTimeout(r, 1100));
    await publish("press:nuovo-per-feed:published");
    expect((await get(kindScope("press"), { "If-None-Match": etag })).status).toBe(200);
    expect((await get(kindScope("press"), { "If-Modified-Since": lastModified })).status).toBe(200);
  });
});
