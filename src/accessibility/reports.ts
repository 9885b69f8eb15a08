/**
 * Accessibility feedback (the AgID "meccanismo di feedback"): a report is
 * stored together with its two messages (to the office, Reply-To set to the
 * sender, and the receipt) in one transaction. The messages leave through the
 * transactional-mail queue, which retries them while mail is failing.
 */
import { z } from "zod";
import { accessibilityReports } from "@db/schema";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { emailRule, isHttpUrlOrPath } from "@/lib/field-rules";
import { log } from "@/lib/log";
import { queueMail } from "@/outbox";
import { hitRateLimits, RATE_RULES, recipientKey } from "@/accounts";
import { officeNotice, receipt } from "./messages";

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
  email: emailRule({ missing: "Indica il tuo indirizzo email.", invalid: "Indica un indirizzo email valido, ad esempio nome@comune.it." }),
  pageUrl: optionalText(2000, "L'indirizzo della pagina può contenere al massimo 2000 caratteri.").refine(
    (v) => v === undefined || isHttpUrlOrPath(v),
    "Indica l'indirizzo della pagina, ad esempio https://aggrega.example/convenzioni oppure /convenzioni.",
  ),
  description: z
    .string({ message: "Descrivi il problema che hai incontrato." })
    .trim()
    .min(10, "Descrivi il problema in almeno 10 caratteri.")
    .max(5000, "La descrizione può contenere al massimo 5000 caratteri."),
});

export type ReportInput = z.infer<typeof ReportSchema>;

/** What the sender is told: the report's number. */
export interface SubmittedReport {
  id: number;
}

/**
 * Stores a report and queues the notice to the office and the receipt to the
 * sender. Limited per client address (IPv6 by /64) and per recipient mailbox
 * (case, dots and `+tags` folded, see recipientKey): past either limit nothing
 * is stored or queued and the page answers 429, pointing to the office's own
 * address.
 */
export async function submitAccessibilityReport(input: ReportInput, client: { ip: string } = { ip: "sconosciuto" }): Promise<SubmittedReport> {
  await hitRateLimits([
    [RATE_RULES.accessibilityIp, client.ip],
    [RATE_RULES.accessibilityIpDay, client.ip],
    [RATE_RULES.accessibilityRecipient, recipientKey(input.email)],
  ]);
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    const [report] = await tx
      .insert(accessibilityReports)
      .values({ name: input.name ?? null, email: input.email, pageUrl: input.pageUrl ?? null, description: input.description })
      .returning();
    await queueMail(tx, "accessibility_office", officeNotice(report!, config().OFFICE_EMAIL));
    await queueMail(tx, "accessibility_receipt", receipt(report!));
    return report!;
  });
  log("info", "accessibility.report.received", { reportId: row.id });
  return { id: row.id };
}
