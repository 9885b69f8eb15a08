/** The two messages an accessibility report produces, in Italian, HTML and plain text. */
import type { OutgoingMail } from "@/mail";
import { absoluteUrl } from "@/lib/http";
import { SITE_NAME } from "@/lib/site";
import { formatDateTime } from "@/lib/format";

export interface ReportForMail {
  id: number;
  name: string | null;
  email: string;
  pageUrl: string | null;
  description: string;
  createdAt: Date;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function page(subject: string, body: string): string {
  return `<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body>
${body}
<p>— <a href="${escapeHtml(absoluteUrl("/"))}">${SITE_NAME}</a></p>
</body></html>`;
}

/** Report number as people quote it: "A-000042". */
export function reportNumber(id: number): string {
  return `A-${String(id).padStart(6, "0")}`;
}

/** To the office in charge: everything needed to answer, with Reply-To set to the sender. */
export function officeNotice(report: ReportForMail, office: string): OutgoingMail {
  const subject = `Segnalazione di accessibilità ${reportNumber(report.id)}`;
  const fields: [string, string][] = [
    ["Numero", reportNumber(report.id)],
    ["Ricevuta il", formatDateTime(report.createdAt)],
    ["Nome", report.name ?? "non indicato"],
    ["Email", report.email],
    ["Pagina", report.pageUrl ?? "non indicata"],
  ];
  const text = [
    "È arrivata una segnalazione dal modulo della dichiarazione di accessibilità.",
    "",
    ...fields.map(([k, v]) => `${k}: ${v}`),
    "",
    "Descrizione:",
    report.description,
    "",
    "La legge chiede una risposta entro 30 giorni. Rispondendo a questo messaggio scrivi direttamente a chi ha segnalato.",
  ].join("\n");
  const html = page(
    subject,
    `<p>È arrivata una segnalazione dal modulo della dichiarazione di accessibilità.</p>
<dl>
${fields.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("\n")}
</dl>
<h2>Descrizione</h2>
<p>${escapeHtml(report.description).replace(/\n/g, "<br>")}</p>
<p>La legge chiede una risposta entro 30 giorni. Rispondendo a questo messaggio scrivi direttamente a chi ha segnalato.</p>`,
  );
  return { to: office, subject, text, html, headers: { "Reply-To": report.email } };
}

/**
 * To the sender: proof that the report arrived, its number and what happens
 * next. A fixed text: nothing the sender typed (name, description, page) is
 * quoted, so the form cannot be used to send chosen words to someone else's
 * address.
 */
export function receipt(report: ReportForMail): OutgoingMail {
  const subject = `Abbiamo ricevuto la tua segnalazione ${reportNumber(report.id)}`;
  const greeting = "Buongiorno,";
  const statement = absoluteUrl("/accessibilita");
  const paragraphs = [
    `abbiamo ricevuto la tua segnalazione di accessibilità del ${formatDateTime(report.createdAt)}, con il numero ${reportNumber(report.id)}.`,
    "L'ufficio responsabile ti risponderà entro 30 giorni. Se la risposta non arriva o non ti soddisfa, puoi rivolgerti al Difensore civico per il digitale presso AgID, come spiega la dichiarazione di accessibilità.",
    `Se non hai inviato tu questa segnalazione, ignora questo messaggio: qualcuno ha indicato il tuo indirizzo per errore.`,
  ];
  const text = [greeting, "", ...paragraphs.flatMap((p) => [p, ""]), `Dichiarazione di accessibilità: ${statement}`].join("\n");
  const html = page(
    subject,
    `<p>${escapeHtml(greeting)}</p>
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
<p><a href="${escapeHtml(statement)}">Leggi la dichiarazione di accessibilità</a></p>`,
  );
  return { to: report.email, subject, text, html };
}
