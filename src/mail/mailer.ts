/**
 * Sends mail through nodemailer: to an SMTP server when SMTP_URL is set,
 * otherwise into an outbox folder as .eml files that any mail client opens.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers such as List-Unsubscribe. */
  headers?: Record<string, string>;
  /** Given by the caller when it must be known before sending (idempotent retries). */
  messageId?: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface SentMail {
  messageId: string;
  /** Where it went: the SMTP server's reply or the .eml file's path. */
  destination: string;
}

/** A failed send; `permanent` is true when retrying cannot help (SMTP 5xx). */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = "MailDeliveryError";
  }
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): Promise<void>;
  /** One line for logs and start-up messages. */
  readonly description: string;
}

export interface MailerOptions {
  smtpUrl?: string;
  outboxDir: string;
  from: string;
  /** Domain used in generated Message-IDs. */
  messageIdDomain: string;
  /** Pooled SMTP connections (the alert sender); plain transactional mail does not need them. */
  pool?: boolean;
  maxConnections?: number;
  /** Socket timeouts so a hanging SMTP peer fails the send instead of holding it forever. */
  timeoutMs?: number;
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl ? smtpMailer(options, options.smtpUrl) : outboxMailer(options);
}

function newMessageId(domain: string): string {
  return `<${randomUUID()}@${domain}>`;
}

function toNodemailer(mail: OutgoingMail, from: string, messageId: string) {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
    messageId,
    date: new Date(),
    attachments: mail.attachments,
  };
}

function smtpMailer(options: MailerOptions, smtpUrl: string): Mailer {
  const timeout = options.timeoutMs ?? 30_000;
  const timeouts = { connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout };
  const transport = options.pool
    ? nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: options.maxConnections ?? 5, maxMessages: Infinity, ...timeouts })
    : nodemailer.createTransport({ url: smtpUrl, ...timeouts });
  const url = new URL(smtpUrl);
  return {
    description: `SMTP ${url.hostname}:${url.port || (url.protocol === "smtps:" ? 465 : 587)}`,
    async send(mail) {
      const messageId = mail.messageId ?? newMessageId(options.messageIdDomain);
      let info;
      try {
        info = await transport.sendMail(toNodemailer(mail, options.from, messageId));
      } catch (error) {
        throw classify(error);
      }
      if (info.rejected.length > 0) {
        throw new MailDeliveryError(`Destinatario rifiutato: ${info.response}`, true);
      }
      return { messageId, destination: info.response };
    },
    async close() {
      transport.close();
    },
  };
}

/** SMTP 5xx replies are permanent; connection errors, timeouts and 4xx are worth retrying. */
export function classify(error: unknown): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const err = error as { message?: string; responseCode?: number; code?: string };
  const code = typeof err.responseCode === "number" ? err.responseCode : undefined;
  const permanent = code !== undefined && code >= 500 && code < 600;
  const reason = [err.code, code, err.message].filter(Boolean).join(" ");
  return new MailDeliveryError(reason || "Invio non riuscito", permanent, code);
}

function outboxMailer(options: MailerOptions): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    description: `cartella ${options.outboxDir}`,
    async send(mail) {
      const messageId = mail.messageId ?? newMessageId(options.messageIdDomain);
      try {
        const info = await transport.sendMail(toNodemailer(mail, options.from, messageId));
        await mkdir(options.outboxDir, { recursive: true });
        const stamp = new Date().toISOString().replace(/[:.]/g, "-");
        const name = `${stamp}-${randomUUID().slice(0, 8)}.eml`;
        const file = path.join(options.outboxDir, name);
        // Write then rename, so a reader never sees half a message.
        await writeFile(`${file}.tmp`, info.message as Buffer);
        await rename(`${file}.tmp`, file);
        return { messageId, destination: file };
      } catch (error) {
        const err = error as NodeJS.ErrnoException;
        throw new MailDeliveryError(`Impossibile scrivere nella cartella della posta (${err.code ?? err.message})`, false);
      }
    },
    async close() {
      transport.close();
    },
  };
}
