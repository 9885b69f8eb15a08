/**
 * Signed links that turn training reminders off (and on again), the same HMAC
 * idiom as the alerts' preference links: the token names one address and one
 * purpose, never expires (mail links must keep working) and is the only
 * credential of the one-click unsubscribe POST (RFC 8058).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { settings } from "@db/schema";
import { config } from "@/config";
import { getDb, type Database } from "@/lib/db";
import { absoluteUrl } from "@/lib/http";

const SETTING_KEY = "learning.reminder_link_secret";
const PURPOSE = "promemoria";

const cache = new WeakMap<Database, Promise<string>>();

async function loadSecret(db: Database): Promise<string> {
  const configured = config().APP_SECRET;
  if (configured) return configured;
  // INSERT OR IGNORE then read back: two processes starting together end up with the same value.
  await db.insert(settings).values({ key: SETTING_KEY, value: randomBytes(32).toString("base64url") }).onConflictDoNothing();
  const [row] = await db.select({ value: settings.value }).from(settings).where(eq(settings.key, SETTING_KEY));
  if (!row) throw new Error("reminder link secret missing after insert");
  return row.value;
}

async function secret(): Promise<string> {
  const db = await getDb();
  let value = cache.get(db);
  if (!value) {
    value = loadSecret(db);
    cache.set(db, value);
    value.catch(() => cache.delete(db));
  }
  return value;
}

function mac(key: string, payload: string): string {
  return createHmac("sha256", key).update(payload).digest("base64url").slice(0, 32);
}

/** A token naming one (lower-cased) address. */
export async function reminderToken(email: string): Promise<string> {
  const encoded = Buffer.from(email.toLowerCase()).toString("base64url");
  return `${encoded}.${mac(await secret(), `${PURPOSE}.${encoded}`)}`;
}

/** The address in a valid token, or null for anything forged or truncated. */
export async function emailFromReminderToken(token: string): Promise<string | null> {
  const match = /^([A-Za-z0-9_-]{4,400})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return null;
  const expected = Buffer.from(mac(await secret(), `${PURPOSE}.${match[1]}`));
  if (!timingSafeEqual(expected, Buffer.from(match[2]!))) return null;
  const email = Buffer.from(match[1]!, "base64url").toString("utf8");
  return email.includes("@") ? email : null;
}

/** The absolute reminder-settings link of one address. */
export async function reminderSettingsUrl(email: string): Promise<string> {
  return absoluteUrl(`/formazione/promemoria?t=${await reminderToken(email)}`);
}
