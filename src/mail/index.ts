import { config } from "@/config";
import { createMailer, type Mailer } from "./mailer";

export * from "./mailer";

let shared: Mailer | undefined;

/** The process's mailer for transactional messages (verification, reset, receipts). */
export function mailer(): Mailer {
  const cfg = config();
  shared ??= createMailer({
    smtpUrl: cfg.SMTP_URL,
    outboxDir: cfg.outboxDir,
    from: cfg.MAIL_FROM,
    messageIdDomain: new URL(cfg.siteUrl).hostname,
    timeoutMs: cfg.SMTP_TIMEOUT_MS,
  });
  return shared;
}

export async function closeMailer(): Promise<void> {
  await shared?.close();
  shared = undefined;
}
