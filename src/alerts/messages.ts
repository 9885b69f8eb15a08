/**
 * Pure message builders: (announcement, subscriber, links) → subject, HTML,
 * text and headers. Nothing here touches the database or the network.
 */
import type { AnnouncementKind } from "@db/schema";
import type { OutgoingMail } from "@/mail";
import { SITE_NAME } from "@/lib/site";

export const ANNOUNCEMENT_KIND_LABELS: Record<AnnouncementKind, string> = {
  convention: "Nuove convenzioni",
  planned: "Iniziative e gare programmate",
  initiative: "Iniziative congiunte",
  press: "Comunicati stampa",
  expiry: "Avvisi di scadenza",
};

/** One line in a subject or a digest: what kind of news this is. */
export const KIND_SINGULAR: Record<AnnouncementKind, string> = {
  convention: "Nuova convenzione",
  planned: "Iniziativa programmata",
  initiative: "Iniziativa congiunta",
  press: "Comunicato stampa",
  expiry: "Scadenza",
};

export interface MessageContext {
  /** Absolute base URL of the site, without a trailing slash. */
  siteUrl: string;
}

export interface AnnouncementContent {
  kind: AnnouncementKind;
  title: string;
  summary: string;
  /** Site-relative path of the announced page. */
  path: string;
  /** What the item is when the kind says too little (a press "Notizia" rather than "Comunicato stampa"). */
  label?: string;
  /** The full text, when the announced item has one (press releases and news): sanitised HTML and plain text. */
  body?: { html: string; text: string };
}

export interface SubscriberLinks {
  /** Signed link to the preference centre. */
  preferences: string;
  /** Signed one-click unsubscribe URL (RFC 8058). */
  unsubscribe: string;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function absolute(ctx: MessageContext, path: string): string {
  return new URL(path, `${ctx.siteUrl}/`).toString();
}

/** A complete, accessible HTML document: language, title, headings and real links; styles inline for mail clients. */
function htmlDocument(title: string, body: string, footer: string): string {
  return `<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
</head>
<body style="margin:0;padding:0;background:#ffffff;color:#1a1a1a;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5">
<div role="article" aria-label="${escapeHtml(title)}" style="max-width:640px;margin:0 auto;padding:24px">
<p style="margin:0 0 16px;font-weight:bold;color:#003366;font-size:18px">${SITE_NAME}</p>
${body}
<hr style="border:0;border-top:1px solid #767676;margin:32px 0 16px">
<div style="font-size:14px;color:#404040">${footer}</div>
</div>
</body>
</html>`;
}

function link(href: string, text: string): string {
  return `<a href="${escapeHtml(href)}" style="color:#0059b3;text-decoration:underline">${escapeHtml(text)}</a>`;
}

function alertFooter(links: SubscriberLinks): { html: string; text: string } {
  return {
    html: `<p>Ricevi questo messaggio perché questo indirizzo è iscritto agli avvisi di ${SITE_NAME}.</p>
<p>${link(links.preferences, "Cambia le tue preferenze")} · ${link(links.unsubscribe, "Annulla l'iscrizione")}</p>`,
    text: `Ricevi questo messaggio perché questo indirizzo è iscritto agli avvisi di ${SITE_NAME}.
Cambia le tue preferenze: ${links.preferences}
Annulla l'iscrizione: ${links.unsubscribe}`,
  };
}

/** Headers that mail clients and filters expect on list mail, with one-click unsubscribe (RFC 8058, RFC 2369, RFC 3834). */
function listHeaders(ctx: MessageContext, links: SubscriberLinks): Record<string, string> {
  const host = new URL(ctx.siteUrl).hostname;
  return {
    "List-Unsubscribe": `<${links.unsubscribe}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": `Avvisi ${SITE_NAME} <avvisi.${host}>`,
    "List-Help": `<${absolute(ctx, "/avvisi")}>`,
    Precedence: "bulk",
    "Auto-Submitted": "auto-generated",
    "X-Auto-Response-Suppress": "All",
  };
}

/** One announcement to one subscriber. */
export function buildAlertMessage(
  ctx: MessageContext,
  announcement: AnnouncementContent,
  to: string,
  links: SubscriberLinks,
  messageId: string,
): OutgoingMail {
  const url = absolute(ctx, announcement.path);
  const label = announcement.label ?? KIND_SINGULAR[announcement.kind];
  const subject = `${label}: ${announcement.title}`;
  const footer = alertFooter(links);
  const summaryHtml = announcement.summary ? `<p><strong>${escapeHtml(announcement.summary)}</strong></p>` : "";
  // The body is already sanitised HTML (src/press/markdown.ts); it is not escaped again.
  const bodyHtml = announcement.body ? `<div>${announcement.body.html}</div>` : "";
  const html = htmlDocument(
    subject,
    `<p style="margin:0;color:#404040">${escapeHtml(label)}</p>
<h1 style="font-size:24px;line-height:1.25;margin:4px 0 16px">${escapeHtml(announcement.title)}</h1>
${summaryHtml}
${bodyHtml}
<p>${link(url, `Leggi «${announcement.title}» sul sito`)}</p>`,
    footer.html,
  );
  const body = announcement.body?.text.trim();
  const text = [label, "", announcement.title, "", announcement.summary, announcement.summary ? "" : null, body ?? null, body ? "" : null, `Leggi sul sito: ${url}`, "", "-- ", footer.text]
    .filter((line) => line !== null)
    .join("\n");
  return { to, subject, html, text, headers: listHeaders(ctx, links), messageId };
}

/** Several announcements in one weekly message, grouped by kind. */
export function buildDigestMessage(
  ctx: MessageContext,
  items: AnnouncementContent[],
  to: string,
  links: SubscriberLinks,
  messageId: string,
): OutgoingMail {
  const subject = `${SITE_NAME}: ${items.length === 1 ? "1 novità" : `${items.length} novità`} della settimana`;
  const groups = new Map<AnnouncementKind, AnnouncementContent[]>();
  for (const item of items) groups.set(item.kind, [...(groups.get(item.kind) ?? []), item]);
  const htmlGroups: string[] = [];
  const textGroups: string[] = [];
  for (const [kind, entries] of groups) {
    htmlGroups.push(
      `<h2 style="font-size:20px;margin:24px 0 8px">${escapeHtml(ANNOUNCEMENT_KIND_LABELS[kind])}</h2>
<ul style="padding-left:20px">
${entries.map((e) => `<li style="margin-bottom:12px">${e.label ? `${escapeHtml(e.label)}: ` : ""}${link(absolute(ctx, e.path), e.title)}${e.summary ? `<br>${escapeHtml(e.summary)}` : ""}</li>`).join("\n")}
</ul>`,
    );
    textGroups.push(`${ANNOUNCEMENT_KIND_LABELS[kind].toUpperCase()}\n\n${entries.map((e) => `- ${e.label ? `${e.label}: ` : ""}${e.title}\n  ${absolute(ctx, e.path)}`).join("\n\n")}`);
  }
  const footer = alertFooter(links);
  const html = htmlDocument(subject, `<h1 style="font-size:24px;line-height:1.25;margin:0 0 16px">Le novità della settimana</h1>\n${htmlGroups.join("\n")}`, footer.html);
  const text = `Le novità della settimana\n\n${textGroups.join("\n\n")}\n\n-- \n${footer.text}`;
  return { to, subject, html, text, headers: listHeaders(ctx, links), messageId };
}

/** Transactional mail (confirmation, welcome) is not list mail, but it is machine-generated. */
const TRANSACTIONAL_HEADERS = { "Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All" };

/** The double opt-in message. */
export function buildConfirmationMessage(ctx: MessageContext, to: string, confirmUrl: string, validHours: number): OutgoingMail {
  const subject = `Conferma l'iscrizione agli avvisi di ${SITE_NAME}`;
  const html = htmlDocument(
    subject,
    `<h1 style="font-size:24px;margin:0 0 16px">Conferma la tua iscrizione</h1>
<p>Hai chiesto di ricevere gli avvisi di ${SITE_NAME} a questo indirizzo. Per completare l'iscrizione apri il collegamento qui sotto e conferma.</p>
<p>${link(confirmUrl, "Conferma l'iscrizione agli avvisi")}</p>
<p>Il collegamento vale ${validHours} ore. Se non hai chiesto tu l'iscrizione, ignora questo messaggio: senza conferma non riceverai nulla e i dati saranno cancellati.</p>`,
    `<p>${SITE_NAME} · ${link(absolute(ctx, "/avvisi"), "Informazioni sugli avvisi")}</p>`,
  );
  const text = `Conferma la tua iscrizione

Hai chiesto di ricevere gli avvisi di ${SITE_NAME} a questo indirizzo. Per completare l'iscrizione apri questo collegamento e conferma:
${confirmUrl}

Il collegamento vale ${validHours} ore. Se non hai chiesto tu l'iscrizione, ignora questo messaggio: senza conferma non riceverai nulla e i dati saranno cancellati.`;
  return { to, subject, html, text, headers: TRANSACTIONAL_HEADERS };
}

export interface WelcomeSummary {
  /** Human-readable lines: "Nuove convenzioni", "Ricerca: pulizia, Lombardia", "Scadenza di «…»". */
  topics: string[];
  frequency: "immediate" | "weekly";
}

/** Sent once the address is confirmed: what will arrive and how to change it. */
export function buildWelcomeMessage(ctx: MessageContext, to: string, summary: WelcomeSummary, links: SubscriberLinks): OutgoingMail {
  const subject = `Iscrizione confermata: gli avvisi di ${SITE_NAME}`;
  const when =
    summary.frequency === "weekly"
      ? "Riceverai un riepilogo settimanale, il lunedì mattina, con le novità della settimana."
      : "Riceverai un messaggio appena una novità che ti interessa viene pubblicata.";
  const footer = alertFooter(links);
  const html = htmlDocument(
    subject,
    `<h1 style="font-size:24px;margin:0 0 16px">Iscrizione confermata</h1>
<p>Grazie: da ora riceverai gli avvisi di ${SITE_NAME} su questi argomenti.</p>
<ul style="padding-left:20px">${summary.topics.map((t) => `<li>${escapeHtml(t)}</li>`).join("")}</ul>
<p>${when}</p>
<h2 style="font-size:20px;margin:24px 0 8px">Come cambiare</h2>
<p>In ogni messaggio trovi il collegamento alle preferenze, dove puoi cambiare argomenti e frequenza, togliere ricerche o convenzioni seguite, e annullare l'iscrizione con un clic.</p>
<p>${link(links.preferences, "Apri le tue preferenze")}</p>
<p>Puoi seguire gli aggiornamenti anche con i ${link(absolute(ctx, "/avvisi#feed"), "feed RSS")}, senza lasciare l'indirizzo email.</p>`,
    footer.html,
  );
  const text = `Iscrizione confermata

Grazie: da ora riceverai gli avvisi di ${SITE_NAME} su questi argomenti:
${summary.topics.map((t) => `- ${t}`).join("\n")}

${when}

Come cambiare: in ogni messaggio trovi il collegamento alle preferenze, dove puoi cambiare argomenti e frequenza, togliere ricerche o convenzioni seguite, e annullare l'iscrizione.
Le tue preferenze: ${links.preferences}

-- 
${footer.text}`;
  return { to, subject, html, text, headers: { ...TRANSACTIONAL_HEADERS, ...listHeaders(ctx, links) } };
}

/** Someone asked to subscribe an address that already is: no second opt-in, just the way in. */
export function buildAlreadySubscribedMessage(ctx: MessageContext, to: string, preferencesUrl: string): OutgoingMail {
  const subject = `Questo indirizzo è già iscritto agli avvisi di ${SITE_NAME}`;
  const html = htmlDocument(
    subject,
    `<h1 style="font-size:24px;margin:0 0 16px">Iscrizione già attiva</h1>
<p>Qualcuno, forse tu, ha chiesto di iscrivere questo indirizzo agli avvisi, ma l'iscrizione è già attiva. Per aggiungere argomenti, ricerche o convenzioni apri le tue preferenze.</p>
<p>${link(preferencesUrl, "Apri le tue preferenze")}</p>
<p>Se la richiesta non è partita da te, ignora questo messaggio: nulla è cambiato.</p>`,
    `<p>${SITE_NAME} · ${link(absolute(ctx, "/avvisi"), "Informazioni sugli avvisi")}</p>`,
  );
  const text = `Iscrizione già attiva

Qualcuno, forse tu, ha chiesto di iscrivere questo indirizzo agli avvisi, ma l'iscrizione è già attiva. Per aggiungere argomenti, ricerche o convenzioni apri le tue preferenze:
${preferencesUrl}

Se la richiesta non è partita da te, ignora questo messaggio: nulla è cambiato.`;
  return { to, subject, html, text, headers: TRANSACTIONAL_HEADERS };
}
