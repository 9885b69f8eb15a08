/**
 * Signed links that turn training reminders off (and on again), the same HMAC
 * idiom as the alerts' preference links: the token names one address and one
 * purpose, never expires (mail links must keep working) and is the only
 * credential of the one-click unsubscribe POST (RFC 8058).
 */
import { getDb } from "@/lib/db";
import { absoluteUrl } from "@/lib/http";
import { linkMac, linkMacMatches, storedSecret } from "@/lib/link-secret";

const PURPOSE = "promemoria";

async function secret(): Promise<string> {
  return storedSecret(await getDb(), "learning.reminder_link_secret");
}

/** A token naming one (lower-cased) address. */
export async function reminderToken(email: string): Promise<string> {
  const encoded = Buffer.from(email.toLowerCase()).toString("base64url");
  return `${encoded}.${linkMac(await secret(), `${PURPOSE}.${encoded}`)}`;
}

/** The address in a valid token, or null for anything forged or truncated. */
export async function emailFromReminderToken(token: string): Promise<string | null> {
  const match = /^([A-Za-z0-9_-]{4,400})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return null;
  if (!linkMacMatches(await secret(), `${PURPOSE}.${match[1]}`, match[2]!)) return null;
  const email = Buffer.from(match[1]!, "base64url").toString("utf8");
  return email.includes("@") ? email : null;
}

/** The absolute reminder-settings link of one address. */
export async function reminderSettingsUrl(email: string): Promise<string> {
  return absoluteUrl(`/formazione/promemoria?t=${await reminderToken(email)}`);
}
