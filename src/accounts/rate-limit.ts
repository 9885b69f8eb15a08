/**
 * Fixed-window rate limits kept in the database, so every app process
 * sharing it counts the same attempts. One upsert per hit: the increment and
 * the read happen in one statement, so concurrent requests cannot both slip
 * under the limit.
 */
import { lt, sql } from "drizzle-orm";
import { rateLimits } from "@db/schema";
import { getDb } from "@/lib/db";
import { Refusal } from "@/lib/refusal";

export interface RateRule {
  /** Short name, part of the bucket key (e.g. "login-ip"). */
  name: string;
  limit: number;
  windowMs: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The limits on the abuse-prone actions. Sign-in and reset are counted per
 * account *and* source (client address, IPv6 by /64), with growing windows
 * that act as progressive delays, under a much higher per-account ceiling:
 * someone who knows an address cannot lock its owner out from elsewhere.
 * Mail to one recipient (normalised, see recipientKey) has daily caps, so no
 * form can be used to bomb an inbox.
 */
export const RATE_RULES = {
  loginIp: { name: "login-ip", limit: 30, windowMs: 15 * MINUTE },
  /** Per account and source: 5 a minute, 8 in 15 minutes, 20 a day. */
  loginAccountSourceMinute: { name: "login-account-source-1m", limit: 5, windowMs: MINUTE },
  loginAccountSource: { name: "login-account-source", limit: 8, windowMs: 15 * MINUTE },
  loginAccountSourceDay: { name: "login-account-source-1d", limit: 20, windowMs: DAY },
  /** Every source together: only a distributed attack reaches it. */
  loginAccountCeiling: { name: "login-account", limit: 200, windowMs: 15 * MINUTE },
  registerIp: { name: "register-ip", limit: 10, windowMs: 60 * MINUTE },
  resetIp: { name: "reset-ip", limit: 10, windowMs: 60 * MINUTE },
  resetAccountSource: { name: "reset-account-source", limit: 3, windowMs: 60 * MINUTE },
  /** Mail caps per recipient: past them the form answers as usual and no mail leaves. */
  resetMailRecipient: { name: "mail-reset", limit: 6, windowMs: DAY },
  verifyMailRecipient: { name: "mail-verify", limit: 5, windowMs: DAY },
  registerMailRecipient: { name: "mail-register", limit: 5, windowMs: DAY },
  accessibilityIp: { name: "a11y-ip", limit: 5, windowMs: 60 * MINUTE },
  accessibilityIpDay: { name: "a11y-ip-1d", limit: 20, windowMs: DAY },
  accessibilityRecipient: { name: "mail-a11y", limit: 3, windowMs: DAY },
  subscribeRecipient: { name: "mail-subscribe", limit: 5, windowMs: DAY },
} satisfies Record<string, RateRule>;

/** Providers known to deliver `name+tag@` to `name@`; Gmail also ignores dots in the name. */
const DOTLESS_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

/**
 * The mailbox an address reaches, for per-recipient caps: lower case, `+tag`
 * dropped (every major provider delivers it to the base mailbox), dots dropped
 * for Gmail, googlemail.com as gmail.com.
 */
export function recipientKey(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf("@");
  if (at <= 0) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1).replace(/\.+$/, "");
  if (domain === "googlemail.com") domain = "gmail.com";
  local = local.replace(/\+.*$/, "");
  if (DOTLESS_DOMAINS.has(domain)) local = local.replace(/\./g, "");
  return `${local || trimmed.slice(0, at)}@${domain}`;
}

/** Thrown by domain functions when a limit is exceeded; pages answer 429. */
export class RateLimitedError extends Refusal {
  constructor(override readonly retryAfterSeconds: number) {
    super(`Troppi tentativi in poco tempo. Riprova tra ${Math.max(1, Math.ceil(retryAfterSeconds / 60))} minuti.`, "_form", { retryAfterSeconds });
    this.name = "RateLimitedError";
  }
}

/** Counts one attempt against `rule` for `key`; throws RateLimitedError past the limit. */
export async function hitRateLimit(rule: RateRule, key: string, now = Date.now()): Promise<void> {
  const db = await getDb();
  const windowStart = Math.floor(now / rule.windowMs) * rule.windowMs;
  const bucket = `${rule.name}:${key.toLowerCase()}`;
  const [row] = await db
    .insert(rateLimits)
    .values({ bucket, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [rateLimits.bucket, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
    .returning({ count: rateLimits.count });
  if ((row?.count ?? 0) > rule.limit) {
    throw new RateLimitedError((windowStart + rule.windowMs - now) / 1000);
  }
}

/** Counts one use against `rule` for `key`; false past the limit (for caps that must not change the answer). */
export async function withinRateLimit(rule: RateRule, key: string, now = Date.now()): Promise<boolean> {
  try {
    await hitRateLimit(rule, key, now);
    return true;
  } catch (error) {
    if (error instanceof RateLimitedError) return false;
    throw error;
  }
}

/** Counts one attempt against each rule; stops at the first exceeded. */
export async function hitRateLimits(hits: [RateRule, string][], now = Date.now()): Promise<void> {
  for (const [rule, key] of hits) await hitRateLimit(rule, key, now);
}

/** Drops windows that ended; the cleanup job calls it. */
export async function pruneRateLimits(now = Date.now()): Promise<number> {
  const db = await getDb();
  const longest = Math.max(...Object.values(RATE_RULES).map((r) => r.windowMs));
  const result = await db.delete(rateLimits).where(lt(rateLimits.windowStart, now - longest));
  return result.rowsAffected;
}
