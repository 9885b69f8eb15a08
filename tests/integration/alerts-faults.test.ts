/**
 * Alert delivery under injected mail faults: the outbox folder cannot be
 * written (as on a full or read-only disk) and the SMTP peer accepts
 * connections but never answers. Deliveries stay queued as temporary
 * failures and are sent once, exactly once, when mail works again.
 */
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { announcements, deliveries, subscribers } from "@db/schema";
import { announce } from "@/outbox";
import { linkSecret } from "@/alerts/secret";
import { createOutboxStore } from "@/alerts/store";
import { matchSavedSearch } from "@/alerts/job";
import { AlertWorker } from "@/alerts/worker";
import { createMailer, type Mailer } from "@/mail";
import { addSubscribers, SITE } from "../helpers/alerts";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startHangingSmtp, type HangingPeer } from "../helpers/hanging-smtp";
import { startSmtpSink } from "../helpers/smtp";

let tdb: TestDatabase;
let peer: HangingPeer;
let seq = 0;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  peer = await startHangingSmtp();
});
afterAll(async () => {
  await peer.close();
  await tdb.cleanup();
});
beforeEach(async () => {
  // Seeded content was announced too; each test starts from a drained outbox and its own subscribers.
  await tdb.db.update(subscribers).set({ status: "unsubscribed" });
  await tdb.db.update(announcements).set({ fannedOutAt: new Date() }).where(sql`${announcements.fannedOutAt} IS NULL`);
});

function worker(mailer: Mailer, clock: () => number) {
  return new AlertWorker({ store: createOutboxStore(tdb.db), mailer, context: { siteUrl: SITE }, secret: () => linkSecret(tdb.db), matchSavedSearch }, { retryBaseMs: 1000, now: clock });
}

async function publish(): Promise<void> {
  seq += 1;
  await announce(tdb.db, {
    kind: "press",
    eventKey: `press:guasto-${seq}:published`,
    entityType: "press_release",
    entityId: 9000 + seq,
    title: `Comunicato durante un guasto ${seq}`,
    summary: "Una notizia per i fornitori.",
    path: `/sala-stampa/guasto-${seq}`,
  });
}

async function queuedWithError(): Promise<number> {
  const rows = await tdb.db.select().from(deliveries).where(sql`${deliveries.status} = 'queued' AND ${deliveries.lastError} IS NOT NULL`);
  return rows.length;
}

describe("alert delivery when mail fails", () => {
  it("keeps deliveries while the outbox folder cannot be written, then writes each message once", async () => {
    await addSubscribers(tdb.db, [{ email: "disco-1@example.it", kinds: ["press"] }, { email: "disco-2@example.it", kinds: ["press"] }]);
    await publish();
    let clock = Date.now();
    const blocked = path.join(tdb.dir, "outbox-bloccata");
    await writeFile(blocked, "un file al posto della cartella");
    const broken = createMailer({ outboxDir: blocked, from: "avvisi@aggrega.test", messageIdDomain: "aggrega.test" });
    const down = await worker(broken, () => clock).runPass();
    expect(down.sent).toBe(0);
    expect(await queuedWithError()).toBe(2);

    clock += 60_000;
    const repaired = path.join(tdb.dir, "outbox-riparata");
    const working = createMailer({ outboxDir: repaired, from: "avvisi@aggrega.test", messageIdDomain: "aggrega.test" });
    const back = await worker(working, () => clock).runPass();
    expect(back.sent).toBe(2);
    clock += 3_600_000;
    expect((await worker(working, () => clock).runPass()).sent).toBe(0);
    expect((await readdir(repaired)).filter((f) => f.endsWith(".eml"))).toHaveLength(2);
    const sent = await tdb.db.select().from(deliveries).where(eq(deliveries.status, "sent"));
    expect(sent.filter((d) => d.attempts >= 2)).toHaveLength(2);
  });

  it("times out on an SMTP peer that never answers, then delivers each message once to a working one", async () => {
    await addSubscribers(tdb.db, [{ email: "muto-1@example.it", kinds: ["press"] }, { email: "muto-2@example.it", kinds: ["press"] }]);
    await publish();
    let clock = Date.now();
    const silent = createMailer({ smtpUrl: peer.url, outboxDir: "/nonexistent", from: "avvisi@aggrega.test", messageIdDomain: "aggrega.test", pool: true, timeoutMs: 700 });
    const started = Date.now();
    const down = await worker(silent, () => clock).runPass();
    await silent.close();
    expect(down.sent).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await queuedWithError()).toBe(2);

    const sink = await startSmtpSink();
    try {
      clock += 60_000;
      const working = createMailer({ smtpUrl: sink.url, outboxDir: "/nonexistent", from: "avvisi@aggrega.test", messageIdDomain: "aggrega.test", pool: true });
      expect((await worker(working, () => clock).runPass()).sent).toBe(2);
      clock += 3_600_000;
      expect((await worker(working, () => clock).runPass()).sent).toBe(0);
      await working.close();
      const to = sink.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)!.text).sort();
      expect(to).toEqual(["muto-1@example.it", "muto-2@example.it"]);
    } finally {
      await sink.close();
    }
  });
});
