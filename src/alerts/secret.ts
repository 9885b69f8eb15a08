/**
 * The key that signs preference and unsubscribe links. APP_SECRET wins; without it one is
 * generated once and kept in the `settings` table, so every process (web, workers) shares it.
 */
import type { Database } from "@/lib/db";
import { hmacKey, linkMac, linkMacMatches, storedSecret } from "@/lib/link-secret";

export { hmacKey };

/** The signing secret for this database, read once per connection. */
export function linkSecret(db: Database): Promise<string> {
  return storedSecret(db, "alerts.link_secret");
}

export type LinkPurpose = "preferenze" | "disiscrizione";

/** A token naming one subscriber for one purpose; links in mail never expire, so neither does it. */
export function signSubscriberToken(secret: string, subscriberId: number, purpose: LinkPurpose): string {
  const payload = `${subscriberId}.${purpose}`;
  return `${payload}.${linkMac(secret, payload)}`;
}

/** The subscriber id in a valid token, or null for anything forged, truncated or for another purpose. */
export function verifySubscriberToken(secret: string, token: string, purpose: LinkPurpose): number | null {
  const match = /^(\d{1,12})\.([a-z]+)\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match || match[2] !== purpose) return null;
  if (!linkMacMatches(secret, `${match[1]}.${purpose}`, match[3]!)) return null;
  return Number(match[1]);
}
