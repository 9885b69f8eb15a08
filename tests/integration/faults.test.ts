/**
 * Injected faults against the real built site and real peers: a second
 * process holding the database's write lock, a libSQL server that goes away,
 * an SMTP server that accepts connections and never answers.
 */
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accessibilityReports, outboundMail } from "@db/schema";
import { openDatabase, useConnection, type Connection } from "@/lib/db";
import { createMailer, MailDeliveryError } from "@/mail";
import { sendQueuedMail } from "@/outbox";
import { postForm } from "../helpers/forms";
import { startHangingSmtp, type HangingPeer } from "../helpers/hanging-smtp";
import { startSite, type RunningSite } from "../helpers/server";
import { startSmtpSink } from "../helpers/smtp";
import { startSqld } from "../helpers/sqld";

const report = (n: number) => ({
  email: `segnalazione${n}@comune.example.it`,
  description: `Segnalazione di prova numero ${n}: il contrasto del pulsante è insufficiente.`,
});

async function reportCount(conn: Connection): Promise<number> {
  const [row] = await conn.db.select({ n: count() }).from(accessibilityReports);
  return row!.n;
}

describe("the database's write lock held by another process", () => {
  let site: RunningSite;
  let other: Connection;
  beforeAll(async () => {
    site = await startSite();
    other = await openDatabase(site.databaseUrl);
  }, 240_000);
  afterAll(async () => {
    other?.client.close();
    await site?.stop();
  });

  it("waits for a short lock and then succeeds", async () => {
    const lock = await other.client.transaction("write");
    await lock.execute("INSERT INTO settings (key, value) VALUES ('lock-test', 'breve')");
    const pending = postForm(site.baseUrl, "/accessibilita/segnala", report(1));
    // Part of what is tested: the lock is held for a second (well within the busy timeout) while the request waits on it.
    await new Promise((r) => setTimeout(r, 1000));
    await lock.commit();
    const response = await pending;
    expect(response.status).toBe(303);
    expect(await reportCount(other)).toBe(1);
  });

  it("answers a clean Italian 503 beyond the busy timeout, stores nothing, and works again after", async () => {
    const lock = await other.client.transaction("write");
    await lock.execute("INSERT INTO settings (key, value) VALUES ('lock-test-2', 'lungo')");
    const started = Date.now();
    const busy = await postForm(site.baseUrl, "/accessibilita/segnala", report(2));
    const waited = Date.now() - started;
    // Reading is never blocked by a writer in WAL mode.
    const home = await fetch(new URL("/", site.baseUrl));
    await lock.rollback();

    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("30");
    expect(busy.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await busy.text();
    expect(html).toContain("Servizio momentaneamente non disponibile");
    expect(html).not.toMatch(/SQLITE|LibsqlError|\bat .*\.js:\d+/);
    expect(waited).toBeGreaterThanOrEqual(4000);
    expect(home.status).toBe(200);
    expect(await reportCount(other)).toBe(1);

    const retried = await postForm(site.baseUrl, "/accessibilita/segnala", report(2));
    expect(retried.status).toBe(303);
    expect(await reportCount(other)).toBe(2);
    expect(site.output()).not.toMatch(/\n\s+at /);
  });
});

describe("a libSQL server that goes away", () => {
  it("turns every database page into a 503 and the health check into 503, without a stack trace", async () => {
    const sqld = await startSqld();
    const site = await startSite({ DATABASE_URL: sqld.url });
    try {
      expect((await fetch(new URL("/", site.baseUrl))).status).toBe(200);
      await sqld.stop();
      const home = await fetch(new URL("/", site.baseUrl));
      expect(home.status).toBe(503);
      expect(await home.text()).toContain("Servizio momentaneamente non disponibile");
      const health = await fetch(new URL("/healthz", site.baseUrl));
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "error", database: "unavailable" });
      const form = await postForm(site.baseUrl, "/accessibilita/segnala", report(3));
      expect(form.status).toBe(503);
      expect(site.output()).not.toMatch(/\n\s+at /);
    } finally {
      await site.stop();
    }
  }, 300_000);
});

describe("an SMTP server that accepts and never answers", () => {
  let peer: HangingPeer;
  beforeAll(async () => {
    peer = await startHangingSmtp();
  });
  afterAll(async () => {
    await peer.close();
  });

  it("fails a send with a temporary error after the timeout instead of waiting forever", async () => {
    const mailer = createMailer({ smtpUrl: peer.url, outboxDir: "/nonexistent", from: "a@aggrega.test", messageIdDomain: "aggrega.test", timeoutMs: 800 });
    const started = Date.now();
    const error = await mailer.send({ to: "x@example.it", subject: "Prova", text: "Prova" }).catch((e) => e);
    await mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.permanent).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(peer.connections()).toBeGreaterThanOrEqual(1);
  });

  it("keeps the form responsive, stores the report, and the retry delivers it once the peer answers", async () => {
    const site = await startSite({ SMTP_URL: peer.url, SMTP_TIMEOUT_MS: "700", WORKER: "off" });
    const conn = await openDatabase(site.databaseUrl);
    const sink = await startSmtpSink();
    try {
      const started = Date.now();
      const posted = await postForm(site.baseUrl, "/accessibilita/segnala", report(4));
      expect(posted.status).toBe(303);
      expect(Date.now() - started).toBeLessThan(10_000);
      const response = await fetch(new URL(posted.headers.get("location")!, site.baseUrl));
      expect(await response.text()).toContain("ritentato automaticamente");
      expect(await reportCount(conn)).toBe(1);

      // The site's attempt against the silent peer ends as a temporary failure after the timeout.
      useConnection(conn);
      await vi.waitFor(
        async () => {
          const queued = await conn.db.select().from(outboundMail);
          expect(queued).toHaveLength(2);
          for (const m of queued) expect(m).toMatchObject({ status: "queued", leaseOwner: null, lastError: expect.stringMatching(/.+/) });
        },
        { timeout: 20_000, interval: 50 },
      );
      // A worker with a working server, an hour later (past the retry delay), sends both once.
      const working = createMailer({ smtpUrl: sink.url, outboxDir: "/nonexistent", from: "a@aggrega.test", messageIdDomain: "aggrega.test" });
      const later = () => Date.now() + 3_600_000;
      expect(await sendQueuedMail({ mailer: working, now: later })).toEqual({ sent: 2, failed: 0, retrying: 0 });
      expect(await sendQueuedMail({ mailer: working, now: later })).toEqual({ sent: 0, failed: 0, retrying: 0 });
      await working.close();
      const messages = await sink.waitFor(2);
      expect(messages.map((m) => m.subject).sort()).toEqual(["Abbiamo ricevuto la tua segnalazione A-000001", "Segnalazione di accessibilità A-000001"]);
    } finally {
      await sink.close();
      conn.client.close();
      await site.stop();
    }
  }, 300_000);
});
