/**
 * Single-use tokens sent by email (verification, password reset). The link
 * carries the token; the database keeps only its SHA-256, so a copy of the
 * database cannot be used to take over accounts.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, lt, or, isNotNull } from "drizzle-orm";
import { accountTokens } from "@db/schema";
import type { Database } from "@/lib/db";

export type TokenPurpose = (typeof accountTokens.$inferSelect)["purpose"];

/** How long each kind of link stays valid. */
export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 48 * 60 * 60 * 1000,
  reset_password: 60 * 60 * 1000,
};

/** 32 random bytes in base64url; anything else is refused before touching the database. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Issues a new token for `purpose`. A new reset link voids the earlier unused
 * ones; verification links all stay valid until they expire (a second mail,
 * sent when someone signs in before verifying, must not break the first one
 * they may be about to click).
 */
export async function issueToken(db: Pick<Database, "insert" | "delete">, userId: string, purpose: TokenPurpose, now = Date.now()): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  if (purpose !== "verify_email") await revokeTokens(db, userId, purpose);
  await db.insert(accountTokens).values({
    tokenHash: hashToken(token),
    userId,
    purpose,
    expiresAt: new Date(now + TOKEN_LIFETIME_MS[purpose]),
  });
  return token;
}

/** Voids every unused token of `purpose` for a user (a new reset link, a password change). */
export async function revokeTokens(db: Pick<Database, "delete">, userId: string, purpose: TokenPurpose): Promise<void> {
  await db.delete(accountTokens).where(and(eq(accountTokens.userId, userId), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt)));
}

/** The user of a token that exists, is unused and has not expired; null otherwise. Does not use it up. */
export async function tokenOwner(db: Pick<Database, "select">, token: string, purpose: TokenPurpose, now = Date.now()): Promise<string | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await db
    .select({ userId: accountTokens.userId })
    .from(accountTokens)
    .where(and(eq(accountTokens.tokenHash, hashToken(token)), eq(accountTokens.purpose, purpose), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, new Date(now))));
  return row?.userId ?? null;
}

/**
 * Marks the token used and returns its user, or null when it is unknown,
 * expired or already used. One conditional UPDATE, so two requests with the
 * same link cannot both succeed.
 */
export async function consumeToken(db: Pick<Database, "update">, token: string, purpose: TokenPurpose, now = Date.now()): Promise<string | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const [row] = await db
    .update(accountTokens)
    .set({ usedAt: new Date(now) })
    .where(
      and(
        eq(accountTokens.tokenHash, hashToken(token)),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, new Date(now)),
      ),
    )
    .returning({ userId: accountTokens.userId });
  return row?.userId ?? null;
}

/** Drops used and expired tokens; the cleanup job calls it. */
export async function pruneTokens(db: Pick<Database, "delete">, now = Date.now()): Promise<number> {
  const result = await db.delete(accountTokens).where(or(isNotNull(accountTokens.usedAt), lt(accountTokens.expiresAt, new Date(now))));
  return result.rowsAffected;
}
