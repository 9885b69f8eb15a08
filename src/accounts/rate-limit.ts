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

/** The limits on the abuse-prone actions, per client address and per account (email). */
export const RATE_RULES = {
  loginIp: { name: "login-ip", limit: 30, windowMs: 15 * MINUTE },
  loginAccount: { name: "login-account", limit: 8, windowMs: 15 * MINUTE },
  registerIp: { name: "register-ip", limit: 10, windowMs: 60 * MINUTE },
  resetIp: { name: "reset-ip", limit: 10, windowMs: 60 * MINUTE },
  resetAccount: { name: "reset-account", limit: 3, windowMs: 60 * MINUTE },
} satisfies Record<string, RateRule>;

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
