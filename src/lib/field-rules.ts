/**
 * Field rules shared by every form, seed file and query parameter: slugs,
 * email addresses, numeric ids, http(s)-only web addresses and the cleaning
 * of control characters. Each domain adds its own Italian wording on top.
 */
import { z } from "zod";

/** Lower-case letters, digits and single hyphens: the shape of every URL slug and text id. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const slugRule = (message = "deve essere uno slug: lettere minuscole, cifre e trattini", missing?: string) =>
  z.string(missing === undefined ? undefined : { error: missing }).regex(SLUG_PATTERN, message);

/** A slug in a query string or path: never an error, just not a match. */
export const slugParam = z.string().max(80).regex(SLUG_PATTERN);

/** A trimmed email address, at most 254 characters (RFC 5321), lower-cased when `lowerCase`. */
export function emailRule(messages: { missing: string; invalid: string; tooLong?: string }, options: { lowerCase?: boolean } = {}) {
  const base = z.string({ message: messages.missing }).trim();
  return (options.lowerCase ? base.toLowerCase() : base)
    .min(1, messages.missing)
    .max(254, messages.tooLong ?? "L'indirizzo email è troppo lungo.")
    .pipe(z.email({ message: messages.invalid }));
}

/** A database id posted by a form or a link: a positive integer. */
export const idRule = (message = "Il valore indicato non è valido.") => z.coerce.number({ message }).int(message).positive(message).max(1e12, message);

/** A complete web address with the http or https scheme; `javascript:`, `data:` and the rest are refused. */
export const httpUrlRule = (message = "deve essere un indirizzo web completo (https://…)") => z.url({ protocol: /^https?$/, message });

/** True for an absolute http(s) address or a path on this site ("/convenzioni"). */
export function isHttpUrlOrPath(value: string): boolean {
  if (/^\/(?!\/)[^\s]*$/.test(value)) return true;
  return httpUrlRule().safeParse(value).success;
}

// C0 controls except tab and line feed, DEL, and the C1 controls; CR is handled apart (CRLF becomes LF, a bare CR goes).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * What every posted text goes through before validation: line breaks become
 * LF, a bare CR and other control characters are removed. Single-line fields
 * also turn tabs and line breaks into spaces.
 */
export function cleanText(value: string, multiLine = true): string {
  const cleaned = value.replace(/\r\n/g, "\n").replace(/\r/g, "").replace(CONTROL, "");
  return multiLine ? cleaned : cleaned.replace(/[\t\n]/g, " ");
}
