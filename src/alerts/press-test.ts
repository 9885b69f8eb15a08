/**
 * "Send a test to myself" in the press editor: the alert a subscriber would receive for this item, with its
 * current saved text, queued for the editor's own address like every other transactional message.
 */
import { PRESS_KIND_LABELS, renderMarkdown, type PressRelease } from "@/press";
import { buildAlertMessage } from "./messages";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { queueMail } from "@/outbox";

/** Queues the test message (sent within about a second, retried like any other message if mail is down). */
export async function sendPressTest(release: Pick<PressRelease, "id" | "kind" | "title" | "summary" | "bodyMarkdown" | "slug">, to: string): Promise<void> {
  const cfg = config();
  const avvisi = `${cfg.siteUrl}/avvisi`;
  const mail = buildAlertMessage(
    { siteUrl: cfg.siteUrl },
    {
      kind: "press",
      label: PRESS_KIND_LABELS[release.kind],
      title: release.title,
      summary: release.summary,
      path: `/sala-stampa/${release.slug}`,
      body: { html: renderMarkdown(release.bodyMarkdown), text: release.bodyMarkdown },
    },
    to,
    { preferences: avvisi, unsubscribe: avvisi },
    `<prova-${release.id}-${Date.now()}@${new URL(cfg.siteUrl).hostname}>`,
  );
  await queueMail(await getDb(), "press_test", { ...mail, subject: `[Prova] ${mail.subject}`, headers: { ...mail.headers, "Auto-Submitted": "auto-generated" } });
}
