/**
 * The account emails, in Italian, as HTML and plain text with absolute links.
 */
import type { OutgoingMail } from "@/mail";
import { absoluteUrl } from "@/lib/http";
import { SITE_NAME } from "@/lib/site";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

interface MessageParts {
  to: string;
  subject: string;
  greeting: string;
  paragraphs: string[];
  action?: { label: string; url: string };
  closing: string;
}

/** One plain layout for every account message: readable without images or styles. */
function compose(parts: MessageParts): OutgoingMail {
  const textLines = [parts.greeting, "", ...parts.paragraphs.flatMap((p) => [p, ""])];
  if (parts.action) textLines.push(`${parts.action.label}: ${parts.action.url}`, "");
  textLines.push(parts.closing, "", `— ${SITE_NAME}`, absoluteUrl("/"));
  const html = `<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>${escapeHtml(parts.subject)}</title></head>
<body style="font-family: Arial, sans-serif; color: #1a1a1a; line-height: 1.5;">
<p>${escapeHtml(parts.greeting)}</p>
${parts.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join("\n")}
${parts.action ? `<p><a href="${escapeHtml(parts.action.url)}" style="color: #0066cc; font-weight: bold;">${escapeHtml(parts.action.label)}</a></p>
<p>Se il pulsante non funziona, copia questo indirizzo nel browser:<br>${escapeHtml(parts.action.url)}</p>` : ""}
<p>${escapeHtml(parts.closing)}</p>
<p>— <a href="${escapeHtml(absoluteUrl("/"))}">${SITE_NAME}</a></p>
</body></html>`;
  return { to: parts.to, subject: parts.subject, text: textLines.join("\n"), html };
}

export function verificationMessage(to: string, name: string, token: string): OutgoingMail {
  return compose({
    to,
    subject: `Conferma il tuo indirizzo email su ${SITE_NAME}`,
    greeting: `Gentile ${name},`,
    paragraphs: [
      `grazie per aver creato un account su ${SITE_NAME}. Per attivare l'account conferma che questo indirizzo è tuo.`,
      "Il collegamento vale 48 ore e si può usare una sola volta.",
    ],
    action: { label: "Conferma l'indirizzo email", url: absoluteUrl(`/account/verifica?token=${token}`) },
    closing: "Se non hai chiesto tu la registrazione, ignora questo messaggio: senza conferma l'account non viene attivato.",
  });
}

/** Sent instead of a second registration, so the form never reveals that an address is known. */
export function alreadyRegisteredMessage(to: string, name: string): OutgoingMail {
  return compose({
    to,
    subject: `Hai già un account su ${SITE_NAME}`,
    greeting: `Gentile ${name},`,
    paragraphs: [
      "qualcuno, forse tu, ha provato a registrarsi con questo indirizzo, che ha già un account.",
      "Puoi accedere con la tua password oppure, se non la ricordi, sceglierne una nuova.",
    ],
    action: { label: "Reimposta la password", url: absoluteUrl("/password-dimenticata") },
    closing: "Se la richiesta non è partita da te, puoi ignorare questo messaggio: il tuo account non è cambiato.",
  });
}

export function resetMessage(to: string, name: string, token: string): OutgoingMail {
  return compose({
    to,
    subject: `Reimposta la password di ${SITE_NAME}`,
    greeting: `Gentile ${name},`,
    paragraphs: [
      "abbiamo ricevuto una richiesta di reimpostare la password del tuo account.",
      "Il collegamento vale un'ora e si può usare una sola volta. Dopo il cambio, tutte le sessioni aperte vengono chiuse.",
    ],
    action: { label: "Scegli una nuova password", url: absoluteUrl(`/reimposta-password?token=${token}`) },
    closing: "Se non hai chiesto tu il cambio, ignora questo messaggio: la password resta quella di prima.",
  });
}

export function passwordChangedMessage(to: string, name: string): OutgoingMail {
  return compose({
    to,
    subject: `La password di ${SITE_NAME} è stata cambiata`,
    greeting: `Gentile ${name},`,
    paragraphs: ["la password del tuo account è appena stata cambiata e tutte le sessioni aperte sono state chiuse."],
    action: { label: "Accedi", url: absoluteUrl("/accedi") },
    closing: "Se non hai cambiato tu la password, reimposta subito la password dalla pagina «Password dimenticata» e scrivi all'ufficio.",
  });
}
