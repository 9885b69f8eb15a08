/**
 * The key that signs preference and unsubscribe links. APP_SECRET wins; without it one is
 * generated once and kept in the `settings` table, so every process (web, workers) shares it.
 */
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { eq } from "drizzle-orm";
import { settings } from "@db/schema";
import { config } from "@/config";
import type { Database } from "@/lib/db";

const SETTING_KEY = "alerts.link_secret";

const cache = new WeakMap<Database, Promise<string>>();

async function loadSecret(db: Database): Promise<string> {
  const configured = config().APP_SECRET;
  if (configured) return configured;
  // INSERT OR IGNORE then read back: two processes starting together end up with the same value.
  await db.insert(settings).values({ key: SETTING_KEY, value: randomBytes(32).toString("base64url") }).onConflictDoNothing();
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, SETTING_KEY));
  if (!row) throw new Error("alerts link secret missing after insert");
  return row.value;
}

/** The signing secret for this database, read once per connection. */
export function linkSecret(db: Database): Promise<string> {
  let secret = cache.get(db);
  if (!secret) {
    secret = loadSecret(db);
    cache.set(db, secret);
    secret.catch(() => cache.delete(db));
  }
  return secret;
}

export type LinkPurpose = "preferenze" | "disiscrizione";

const keys = new Map<string, KeyObject>();

/** The HMAC key of a secret, built once per process rather than for every link a worker signs. */
export function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    // Only a handful of secrets ever exist (APP_SECRET or the stored one; tests make more).
    if (keys.size >= 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

function mac(secret: string, payload: string): string {
  return createHmac("sha256", hmacKey(secret)).update(payload).digest("base64url").slice(0, 32);
}

/** A token naming one subscriber for one purpose; links in mail never expire, so neither does it. */
export function signSubscriberToken(secret: string, subscriberId: number, purpose: LinkPurpose): string {
  const payload = `${subscriberId}.${purpose}`;
  return `${payload}.${mac(secret, payload)}`;
}

/** The subscriber id in a valid token, or null for anything forged, truncated or for another purpose. */
export function verifySubscriberToken(secret: string, token: string, purpose: LinkPurpose): number | null {
  const match = /^(\d{1,12})\.([a-z]+)\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match || match[2] !== purpose) return null;
  const expected = Buffer.from(mac(secret, `${match[1]}.${purpose}`));
  const given = Buffer.from(match[3]!);
  if (!timingSafeEqual(expected, given)) return null;
  return Number(match[1]);
}
