/**
 * Accessibility feedback (the AgID "meccanismo di feedback"): a report is
 * stored first, then mailed to the office and acknowledged to the sender.
 * A failed message never loses the report: it stays due and the
 * accessibility-mail job retries it with a growing delay.
 */
import { and, eq, isNotNull, lte } from "drizzle-orm";
import { z } from "zod";
import { accessibilityReports } from "@db/schema";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { errorMessage, log } from "@/lib/log";
import { MailDeliveryError, mailer, type Mailer } from "@/mail";
import { hitRateLimits, RATE_RULES, recipientKey } from "@/accounts/rate-limit";
import { officeNotice, receipt, type ReportForMail } from "./messages";

const optionalText = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .optional()
    .transform((v) => (v ? v : undefined));

/** What the form accepts; messages are shown next to the fields. */
export const ReportSchema = z.object({
  name: optionalText(200, "Il nome può contenere al massimo 200 caratteri."),
  email: z
    .string({ message: "Indica il tuo indirizzo email." })
    .trim()
    .min(1, "Indica il tuo indirizzo email.")
    .max(254, "L'indirizzo email è troppo lungo.")
    .pipe(z.email({ message: "Indica un indirizzo email valido, ad esempio nome@comune.it." })),
  pageUrl: optionalText(2000, "L'indirizzo della pagina può contenere al massimo 2000 caratteri.").refine(
    (v) => v === undefined || /^(https?:\/\/[^\s]+|\/[^\s]*)$/.test(v),
    "Indica l'indirizzo della pagina, ad esempio https://aggrega.example/convenzioni oppure /convenzioni.",
  ),
  description: z
    .string({ message: "Descrivi il problema che hai incontrato." })
    .trim()
    .min(10, "Descrivi il problema in almeno 10 caratteri.")
    .max(5000, "La descrizione può contenere al massimo 5000 caratteri."),
});

export type ReportInput = z.infer<typeof ReportSchema>;

/** The outcome told to the sender: stored always; each message sent now or left to the retry job. */
export interface SubmittedReport {
  id: number;
  officeNotified: boolean;
  receiptSent: boolean;
}

/** Delay before retry n (1-based): 1, 2, 4 … minutes, at most 6 hours. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000 * 2 ** (attempt - 1), 6 * 3_600_000);
}

/** Gives up on a message after this many attempts (about two days with the delays above). */
export const MAX_MAIL_ATTEMPTS = 15;

/** How long one process holds a report while it sends, so another process does not send it too. */
const LEASE_MS = 5 * 60_000;

/**
 * Stores a report, then tries to send both messages at once. Limited per
 * client address (IPv6 by /64) and per recipient mailbox (case, dots and
 * `+tags` folded, see recipientKey): past either limit nothing is stored or
 * sent and the page answers 429, pointing to the office's own address.
 */
export async function submitAccessibilityReport(input: ReportInput, send: Mailer = mailer(), client: { ip: string } = { ip: "sconosciuto" }): Promise<SubmittedReport> {
  await hitRateLimits([
    [RATE_RULES.accessibilityIp, client.ip],
    [RATE_RULES.accessibilityIpDay, client.ip],
    [RATE_RULES.accessibilityRecipient, recipientKey(input.email)],
  ]);
  const db = await getDb();
  const now = new Date();
  const [row] = await db
    .insert(accessibilityReports)
    .values({ name: input.name ?? null, email: input.email, pageUrl: input.pageUrl ?? null, description: input.description, nextMailAt: new Date(now.getTime() + LEASE_MS) })
    .returning();
  log("info", "accessibility.report.received", { reportId: row!.id });
  return deliver(row!, send);
}

type ReportRow = typeof accessibilityReports.$inferSelect;

/** Sends whatever is still missing for one report (held by the caller's lease) and records the result. */
async function deliver(report: ReportRow, send: Mailer): Promise<SubmittedReport> {
  const db = await getDb();
  const data: ReportForMail = report;
  const failures: string[] = [];
  let permanent = false;
  let officeMailedAt = report.officeMailedAt;
  let receiptMailedAt = report.receiptMailedAt;
  const attempt = async (what: "office" | "receipt") => {
    try {
      await send.send(what === "office" ? officeNotice(data, config().OFFICE_EMAIL) : receipt(data));
      return new Date();
    } catch (error) {
      const reason = error instanceof MailDeliveryError ? error.message : errorMessage(error);
      if (error instanceof MailDeliveryError && error.permanent) permanent = true;
      failures.push(`${what}: ${reason}`);
      log("warn", "accessibility.mail.failed", { reportId: report.id, message: what, permanent: error instanceof MailDeliveryError && error.permanent, error: reason });
      return null;
    }
  };
  officeMailedAt ??= await attempt("office");
  receiptMailedAt ??= await attempt("receipt");
  const attempts = report.mailAttempts + 1;
  const done = officeMailedAt !== null && receiptMailedAt !== null;
  const givingUp = !done && (permanent || attempts >= MAX_MAIL_ATTEMPTS);
  if (givingUp) log("error", "accessibility.mail.abandoned", { reportId: report.id, attempts });
  await db
    .update(accessibilityReports)
    .set({
      officeMailedAt,
      receiptMailedAt,
      mailAttempts: attempts,
      mailError: failures.length ? failures.join("; ").slice(0, 500) : null,
      nextMailAt: done || givingUp ? null : new Date(Date.now() + retryDelayMs(attempts)),
    })
    .where(eq(accessibilityReports.id, report.id));
  return { id: report.id, officeNotified: officeMailedAt !== null, receiptSent: receiptMailedAt !== null };
}

/** One pass of the retry job: sends the messages of every report that is due; returns how many were tried. */
export async function retryAccessibilityMail(send: Mailer = mailer(), now = new Date()): Promise<number> {
  const db = await getDb();
  const due = await db
    .select()
    .from(accessibilityReports)
    .where(and(isNotNull(accessibilityReports.nextMailAt), lte(accessibilityReports.nextMailAt, now)))
    .limit(50);
  let tried = 0;
  for (const report of due) {
    // Claim by moving the due time forward; a process that lost the race sees no change and skips it.
    const claimed = await db
      .update(accessibilityReports)
      .set({ nextMailAt: new Date(now.getTime() + LEASE_MS) })
      .where(and(eq(accessibilityReports.id, report.id), eq(accessibilityReports.nextMailAt, report.nextMailAt!)))
      .returning({ id: accessibilityReports.id });
    if (claimed.length === 0) continue;
    await deliver(report, send);
    tried += 1;
  }
  return tried;
}
