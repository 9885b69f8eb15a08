/**
 * Transactional mail goes through the durable queue: when the SMTP server is
 * down at the moment of registration or a reset request, nothing is lost, and
 * the worker delivers every message exactly once when the server is back.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { auditLog, outboundMail } from "@db/schema";
import { createUser, registerUser, requestPasswordReset, resetPassword, verifyEmail } from "@/accounts";
import { confirmSubscription, subscribe } from "@/alerts";
import { overrideConfig } from "@/config";
import { startBackgroundJobs, type RunningJobs } from "@/jobs";
import { closeMailer } from "@/mail";
import { outboundMailJob, outboundMailOverview, retryFailedMail, sendQueuedMail } from "@/outbox";
import { TEST_PASSWORD } from "../helpers/auth";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { mailQueueSettled, queuedFor } from "../helpers/mail";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

let tdb: TestDatabase;
let sink: SmtpSink | undefined;
let port: number;
let worker: RunningJobs | undefined;

const client = { ip: "192.0.2.77" };
const editor = { id: null, label: "redazione (editor)" };
const tokenIn = (text: string | undefined, pattern: RegExp) => pattern.exec(text ?? "")?.[1];

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  // Find a free port for the SMTP peer, then stop it: the server is down when the mail is caused.
  const probe = await startSmtpSink();
  port = probe.port;
  await probe.close();
  overrideConfig({
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    SITE_URL: "https://aggrega.example.it",
    MAIL_FROM: "Aggrega <noreply@aggrega.test>",
    SMTP_TIMEOUT_MS: "2000",
    ALERTS_RETRY_BASE_MS: "100",
    ALERTS_POLL_MS: "100",
  });
  await closeMailer();
});
afterAll(async () => {
  await worker?.stop();
  await closeMailer();
  await sink?.close();
  await tdb.cleanup();
});

describe("transactional mail during an SMTP outage", () => {
  it("keeps verification, reset and subscription mail while SMTP is down and delivers each exactly once when it is back", async () => {
    // The worker loop of `npm start` / `npm run worker`, here with only the mail job.
    worker = startBackgroundJobs([outboundMailJob()]);

    const learner = "nuova.persona@comune.example.it";
    await registerUser({ name: "Nuova Persona", email: learner, organisation: "Comune di Prova", ipaCode: null, password: TEST_PASSWORD, passwordConfirm: TEST_PASSWORD }, client);
    const forgetful = "smemorata@comune.example.it";
    await createUser({ email: forgetful, name: "Persona Smemorata", role: "learner", password: TEST_PASSWORD });
    await requestPasswordReset(forgetful, client);
    const supplier = "gare@fornitore.example.it";
    expect(await subscribe({ email: supplier, kinds: ["press"], categories: [], aggregators: [], regions: [], frequency: "immediate", consent: "si" }, client)).toBe("check-inbox");

    // Each message was tried, failed as temporary and is waiting for a retry, with the reason recorded.
    await vi.waitFor(
      async () => {
        const rows = await tdb.db.select().from(outboundMail);
        expect(rows).toHaveLength(3);
        for (const row of rows) {
          expect(row.status).toBe("queued");
          expect(row.attempts).toBeGreaterThanOrEqual(2);
          expect(row.lastError).toMatch(/ECONNREFUSED/);
        }
      },
      { timeout: 20_000, interval: 50 },
    );
    const during = await outboundMailOverview();
    expect(during.counts).toEqual({ queued: 3, sent: 0, failed: 0 });
    expect(during.latest.map((m) => m.kind).sort()).toEqual(["account_verification", "password_reset", "subscription_confirmation"]);

    // The SMTP server comes back on the same address.
    sink = await startSmtpSink(port);
    const messages = await sink.waitFor(3, 20_000);
    await vi.waitFor(
      async () => {
        const rows = await tdb.db.select().from(outboundMail);
        expect(rows.map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
      },
      { timeout: 10_000, interval: 25 },
    );
    // Sent messages are no longer due, so another pass sends nothing; the body with its one-time link is gone.
    expect(await sendQueuedMail()).toEqual({ sent: 0, failed: 0, retrying: 0 });
    expect(sink.messages).toHaveLength(3);
    const rows = await tdb.db.select().from(outboundMail);
    expect(rows.every((r) => r.bodyText === "" && r.bodyHtml === null && r.sentAt !== null && r.lastError === null)).toBe(true);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(3);
    expect(messages.map((m) => m.messageId).sort()).toEqual(rows.map((r) => r.messageId).sort());

    // The links in the delayed messages still work.
    const byRecipient = (address: string) => messages.find((m) => m.to && "text" in m.to && m.to.text === address)!;
    const verifyToken = tokenIn(byRecipient(learner).text, /token=([A-Za-z0-9_-]{43})/);
    expect(await verifyEmail(verifyToken!)).toBe(true);
    const resetToken = tokenIn(byRecipient(forgetful).text, /token=([A-Za-z0-9_-]{43})/);
    await resetPassword(resetToken!, "Una-Nuova-Frase-Lunga-7");
    const confirmToken = tokenIn(byRecipient(supplier).text, /\/avvisi\/conferma\?t=([\w.-]+)/);
    expect(await confirmSubscription(confirmToken!)).not.toBeNull();

    // The password-changed notice and the welcome are queued in those same transactions and go out promptly.
    await sink.waitFor(5);
    await mailQueueSettled(tdb.db);
    expect((await queuedFor(tdb.db, forgetful)).map((m) => [m.kind, m.status])).toEqual([
      ["password_reset", "sent"],
      ["password_changed", "sent"],
    ]);
    expect((await queuedFor(tdb.db, supplier)).map((m) => m.kind)).toEqual(["subscription_confirmation", "subscription_welcome"]);
    expect(sink.messages).toHaveLength(5);
    await worker.stop();
    worker = undefined;
  });

  it("fails a message at once on a permanent refusal, shows the reason, and sends it again on request", async () => {
    sink ??= await startSmtpSink(port);
    const address = "rifiuta@comune.example.it";
    sink.rejectRecipients.add(address);
    const before = sink.messages.length;
    await createUser({ email: address, name: "Casella Piena", role: "learner", password: TEST_PASSWORD });
    await requestPasswordReset(address, { ip: "192.0.2.78" });
    await vi.waitFor(
      async () => {
        const [row] = await queuedFor(tdb.db, address);
        expect(row?.status).toBe("failed");
      },
      { timeout: 10_000, interval: 25 },
    );
    const [failed] = await queuedFor(tdb.db, address);
    expect(failed!.attempts).toBe(1);
    expect(failed!.lastError).toMatch(/550/);
    const overview = await outboundMailOverview();
    expect(overview.counts.failed).toBe(1);
    expect(overview.latest[0]).toMatchObject({ recipient: address, status: "failed", kind: "password_reset" });

    sink.rejectRecipients.delete(address);
    expect(await retryFailedMail(editor)).toBe(1);
    await sink.waitFor(before + 1);
    await mailQueueSettled(tdb.db);
    const [again] = await tdb.db.select().from(outboundMail).where(eq(outboundMail.id, failed!.id));
    expect(again).toMatchObject({ status: "sent", lastError: null });
    expect(sink.messages).toHaveLength(before + 1);
    expect(await retryFailedMail(editor)).toBe(0);
    const audit = await tdb.db.select().from(auditLog).where(eq(auditLog.action, "mail.retry"));
    expect(audit).toMatchObject([{ actorLabel: "redazione (editor)", details: { messages: 1 } }]);
  });
});
