/**
 * "Send a test to myself" in the press editor: the alert a subscriber would receive for this item, with its
 * current saved text, sent to the editor's own address through the transactional mailer.
 */
import { buildAlertMessage } from "@/alerts/messages";
import { config } from "@/config";
import { log } from "@/lib/log";
import { mailer } from "@/mail";
import { renderMarkdown } from "./markdown";
import { KIND_LABELS } from "./schemas";
import type { PressRelease } from "./releases";

/** Sends the test; resolves to an Italian message for the page, and never throws on a mail failure. */
export async function sendPressTest(release: Pick<PressRelease, "id" | "kind" | "title" | "summary" | "bodyMarkdown" | "slug">, to: string): Promise<{ ok: boolean; message: string }> {
  const cfg = config();
  const avvisi = `${cfg.siteUrl}/avvisi`;
  const mail = buildAlertMessage(
    { siteUrl: cfg.siteUrl },
    {
      kind: "press",
      label: KIND_LABELS[release.kind],
      title: release.title,
      summary: release.summary,
      path: `/sala-stampa/${release.slug}`,
      body: { html: renderMarkdown(release.bodyMarkdown), text: release.bodyMarkdown },
    },
    to,
    { preferences: avvisi, unsubscribe: avvisi },
    `<prova-${release.id}-${Date.now()}@${new URL(cfg.siteUrl).hostname}>`,
  );
  try {
    await mailer().send({ ...mail, subject: `[Prova] ${mail.subject}`, headers: { "Auto-Submitted": "auto-generated" } });
    return { ok: true, message: `Prova inviata a ${to}: è il messaggio che riceveranno le persone iscritte agli avvisi, con il testo salvato ora.` };
  } catch (error) {
    log("warn", "press.test_mail.failed", { releaseId: release.id, error: error instanceof Error ? error.message : String(error) });
    return { ok: false, message: "La prova non è partita per un problema della posta. Riprova tra qualche minuto." };
  }
}
