/**
 * The person's own data: a JSON copy on request, and deletion of the
 * account. Certificates already issued stay valid for whoever checks them:
 * the link to the account goes (certificates.user_id is ON DELETE SET NULL),
 * the holder's name printed on them stays.
 */
import type { AstroCookies } from "astro";
import { eq, inArray, or } from "drizzle-orm";
import {
  certificates,
  conventionWatches,
  enrolments,
  lessonCompletions,
  quizAttempts,
  savedSearches,
  subscribers,
  users,
} from "@db/schema";
import { getDb } from "@/lib/db";
import { recordAudit } from "@/lib/audit";
import { verifyPassword } from "./password";
import { linkedIdentity, NO_PASSWORD } from "./oidc/accounts";
import { endAllSessions, endSession } from "./session";
import { AccountError } from "./users";
import type { SessionUser } from "./types";

/** Everything stored about the person, grouped by purpose; no password hash, no tokens. */
export async function exportUserData(userId: string) {
  const db = await getDb();
  const [account] = await db.select().from(users).where(eq(users.id, userId));
  if (!account) throw new AccountError("Account non trovato.");
  const subs = await db
    .select()
    .from(subscribers)
    .where(or(eq(subscribers.userId, userId), eq(subscribers.email, account.email)));
  const subIds = subs.map((s) => s.id);
  const searches = subIds.length ? await db.select().from(savedSearches).where(inArray(savedSearches.subscriberId, subIds)) : [];
  const watches = subIds.length ? await db.select().from(conventionWatches).where(inArray(conventionWatches.subscriberId, subIds)) : [];
  return {
    exportedAt: new Date().toISOString(),
    account: {
      id: account.id,
      email: account.email,
      name: account.name,
      organisation: account.organisation,
      ipaCode: account.ipaCode,
      role: account.role,
      emailVerifiedAt: account.emailVerifiedAt?.toISOString() ?? null,
      createdAt: account.createdAt.toISOString(),
    },
    identity: (await linkedIdentity(userId)) ?? null,
    learning: {
      enrolments: await db.select().from(enrolments).where(eq(enrolments.userId, userId)),
      lessonCompletions: await db.select().from(lessonCompletions).where(eq(lessonCompletions.userId, userId)),
      quizAttempts: await db.select().from(quizAttempts).where(eq(quizAttempts.userId, userId)),
      certificates: await db.select().from(certificates).where(eq(certificates.userId, userId)),
    },
    subscriptions: subs.map(({ confirmTokenHash: _hash, ...rest }) => ({
      ...rest,
      savedSearches: searches.filter((s) => s.subscriberId === rest.id),
      conventionWatches: watches.filter((w) => w.subscriberId === rest.id),
    })),
  };
}

/**
 * Deletes the account after checking the password (`null` for an account
 * made with SPID/CIE that has none: the page asks for a typed confirmation
 * instead). Learning records, subscriptions and the linked SPID/CIE
 * identity tied to the account go with it; certificates stay, anonymised.
 */
export async function deleteAccount(user: SessionUser, password: string | null, sessionId: string, cookies: AstroCookies): Promise<void> {
  const db = await getDb();
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id));
  const confirmed = row && (password === null ? row.passwordHash === NO_PASSWORD : await verifyPassword(row.passwordHash, password));
  if (!confirmed) {
    throw new AccountError("La password non è corretta: l'account non è stato eliminato.", "currentPassword");
  }
  await endSession(sessionId, cookies);
  await endAllSessions(user.id);
  await db.transaction(async (tx) => {
    await tx.delete(subscribers).where(or(eq(subscribers.userId, user.id), eq(subscribers.email, user.email)));
    await tx.delete(users).where(eq(users.id, user.id));
    await recordAudit(tx, { id: null, label: "account eliminato" }, "user.deleted", { type: "user", id: user.id });
  });
}
