/**
 * Secrets that sign links sent by mail (alert preferences, training reminders). APP_SECRET wins;
 * without it one is generated once per purpose and kept in the `settings` table, so every process
 * (web, workers) shares it. Tokens carry a 32-character HMAC-SHA256 (base64url) of their payload.
 */
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from "node:crypto";
import { eq } from "drizzle-orm";
import { settings } from "@db/schema";
import { config } from "@/config";
import type { Database } from "@/lib/db";

const secrets = new Map<string, WeakMap<Database, Promise<string>>>();

async function loadSecret(db: Database, settingKey: string): Promise<string> {
  const configured = config().APP_SECRET;
  if (configured) return configured;
  // INSERT OR IGNORE then read back: two processes starting together end up with the same value.
  await db.insert(settings).values({ key: settingKey, value: randomBytes(32).toString("base64url") }).onConflictDoNothing();
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, settingKey));
  if (!row) throw new Error(`${settingKey} missing after insert`);
  return row.value;
}

/** The signing secret stored under `settingKey` for this database, read once per connection. */
export function storedSecret(db: Database, settingKey: string): Promise<string> {
  let cache = secrets.get(settingKey);
  if (!cache) secrets.set(settingKey, (cache = new WeakMap()));
  let secret = cache.get(db);
  if (!secret) {
    secret = loadSecret(db, settingKey);
    cache.set(db, secret);
    secret.catch(() => cache.delete(db));
  }
  return secret;
}

const keys = new Map<string, KeyObject>();

/** The HMAC key of a secret, built once per process rather than for every link a worker signs. */
export function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, "utf8"));
    // Only a handful of secrets ever exist (APP_SECRET or the stored ones; tests make more).
    if (keys.size >= 16) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/** The 32-character MAC of a link payload. */
export function linkMac(secret: string, payload: string): string {
  return createHmac("sha256", hmacKey(secret)).update(payload).digest("base64url").slice(0, 32);
}

/** Whether `given` is the MAC of `payload`, compared in constant time. */
export function linkMacMatches(secret: string, payload: string, given: string): boolean {
  const expected = Buffer.from(linkMac(secret, payload));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
