import { mkdtemp, readdir, readFile, rm, chmod, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailer, MailDeliveryError } from "@/mail/mailer";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

const message = {
  to: "ufficio@comune.example.it",
  subject: "Nuova convenzione disponibile",
  text: "Testo semplice con accenti: è à ù",
  html: "<p>Testo <strong>HTML</strong> con accenti: è à ù</p>",
  headers: { "List-Unsubscribe": "<https://aggrega.example/avvisi/disiscrizione?t=x>" },
};

describe("mailer over SMTP", () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });

  it("delivers HTML and text parts, headers and Message-ID to a real SMTP peer", async () => {
    const mailer = createMailer({ smtpUrl: sink.url, outboxDir: "/nonexistent", from: "Aggrega <noreply@aggrega.test>", messageIdDomain: "aggrega.test", pool: true });
    const sent = await mailer.send(message);
    await mailer.close();
    const [received] = await sink.waitFor(1);
    expect(received!.subject).toBe(message.subject);
    expect(received!.text?.trim()).toBe(message.text);
    expect(received!.html).toContain("<strong>HTML</strong>");
    expect(received!.messageId).toBe(sent.messageId);
    expect(received!.headerLines.find((h) => h.key === "list-unsubscribe")?.line).toContain("https://aggrega.example/avvisi/disiscrizione");
    expect(received!.from?.text).toContain("noreply@aggrega.test");
  });

  it("reports a 5xx rejection as permanent", async () => {
    sink.rejectRecipients.add("rimbalza@example.it");
    const mailer = createMailer({ smtpUrl: sink.url, outboxDir: "/nonexistent", from: "a@aggrega.test", messageIdDomain: "aggrega.test" });
    const error = await mailer.send({ ...message, to: "rimbalza@example.it" }).catch((e) => e);
    await mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.permanent).toBe(true);
  });

  it("reports a 4xx reply as temporary", async () => {
    sink.failTemporarily = true;
    const mailer = createMailer({ smtpUrl: sink.url, outboxDir: "/nonexistent", from: "a@aggrega.test", messageIdDomain: "aggrega.test" });
    const error = await mailer.send(message).catch((e) => e);
    sink.failTemporarily = false;
    await mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.permanent).toBe(false);
  });

  it("reports an unreachable server as temporary", async () => {
    const mailer = createMailer({ smtpUrl: "smtp://127.0.0.1:1", outboxDir: "/nonexistent", from: "a@aggrega.test", messageIdDomain: "aggrega.test", timeoutMs: 2000 });
    const error = await mailer.send(message).catch((e) => e);
    await mailer.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.permanent).toBe(false);
  });
});

describe("mailer into the outbox folder", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-outbox-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one .eml file a mail client can open", async () => {
    const outbox = path.join(dir, "outbox");
    const mailer = createMailer({ outboxDir: outbox, from: "Aggrega <noreply@aggrega.test>", messageIdDomain: "aggrega.test" });
    const sent = await mailer.send(message);
    const files = await readdir(outbox);
    expect(files.filter((f) => f.endsWith(".eml"))).toHaveLength(1);
    expect(files.some((f) => f.endsWith(".tmp"))).toBe(false);
    const parsed = await simpleParser(await readFile(sent.destination));
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text?.trim()).toBe(message.text);
    expect(parsed.html).toContain("<strong>HTML</strong>");
  });

  it("fails with a temporary error when the folder cannot be written", async () => {
    const blocker = path.join(dir, "not-a-folder");
    await writeFile(blocker, "x");
    await chmod(blocker, 0o444);
    const mailer = createMailer({ outboxDir: path.join(blocker, "outbox"), from: "a@aggrega.test", messageIdDomain: "aggrega.test" });
    const error = await mailer.send(message).catch((e) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/cartella della posta/);
  });
});
