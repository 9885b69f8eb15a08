/**
 * SPID/CIE identities and accounts: the first sign-in creates an account
 * from the verified claims, keyed by the fiscal number; a signed-in person
 * can link an identity from the settings page and unlink it while the
 * account keeps a password. Every sign-in is in the audit log with its
 * method and level of assurance.
 */
import { randomUUID } from "node:crypto";
import type { AstroCookies } from "astro";
import { eq } from "drizzle-orm";
import { userIdentities, users, type IdentityMethod } from "@db/schema";
import { recordAudit } from "@/lib/audit";
import { getDb } from "@/lib/db";
import { Refusal } from "@/lib/refusal";
import { startSession } from "../session";
import { SignInProblem } from "./errors";
import type { VerifiedIdentity } from "./flow";

/** Marks an account without a password (created by SPID/CIE); no password ever verifies against it. */
export const NO_PASSWORD = "";

export const IDENTITY_METHOD_LABELS: Record<IdentityMethod, string> = { spid: "SPID", cie: "CIE" };

export interface LinkedIdentity {
  fiscalNumber: string;
  givenName: string;
  familyName: string;
  lastMethod: IdentityMethod;
  lastAcr: string;
  lastSignInAt: Date;
}

export async function linkedIdentity(userId: string): Promise<LinkedIdentity | null> {
  const db = await getDb();
  const [row] = await db.select().from(userIdentities).where(eq(userIdentities.userId, userId));
  return row ?? null;
}

/** Whether the account can sign in with a password (so unlinking SPID/CIE still leaves a way in). */
export async function hasPassword(userId: string): Promise<boolean> {
  const db = await getDb();
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
  return Boolean(row && row.passwordHash !== NO_PASSWORD);
}

function fullName(identity: Pick<VerifiedIdentity, "givenName" | "familyName">): string {
  return `${identity.givenName} ${identity.familyName}`.slice(0, 120);
}

/**
 * Completes a verified sign-in: links the identity (when started from the
 * settings page), or finds the account by fiscal number, or creates it; then
 * starts the session. Returns where to send the person.
 */
export async function completeIdentitySignIn(identity: VerifiedIdentity, cookies: AstroCookies): Promise<{ userId: string; created: boolean; linked: boolean }> {
  const db = await getDb();
  const now = new Date();
  const details = { method: identity.method, acr: identity.acr, provider: identity.provider };
  const identityRow = { givenName: identity.givenName, familyName: identity.familyName, lastMethod: identity.method, lastAcr: identity.acr, lastSignInAt: now };
  const result = await db.transaction(async (tx) => {
    const [owner] = await tx.select({ userId: userIdentities.userId }).from(userIdentities).where(eq(userIdentities.fiscalNumber, identity.fiscalNumber));
    if (identity.linkUserId) {
      if (owner && owner.userId !== identity.linkUserId) throw new SignInProblem("identity_in_use", "fiscal number linked to another account");
      const [user] = await tx.select({ name: users.name, role: users.role, deactivatedAt: users.deactivatedAt }).from(users).where(eq(users.id, identity.linkUserId));
      if (!user || user.deactivatedAt) throw new SignInProblem("deactivated", "linking account gone or deactivated");
      await tx.delete(userIdentities).where(eq(userIdentities.userId, identity.linkUserId));
      await tx.insert(userIdentities).values({ fiscalNumber: identity.fiscalNumber, userId: identity.linkUserId, ...identityRow });
      await recordAudit(tx, { id: identity.linkUserId, label: `${user.name} (${user.role})` }, "user.identity_linked", { type: "user", id: identity.linkUserId }, details);
      return { userId: identity.linkUserId, created: false, linked: true };
    }
    if (owner) {
      const [user] = await tx.select({ name: users.name, role: users.role, deactivatedAt: users.deactivatedAt }).from(users).where(eq(users.id, owner.userId));
      if (!user || user.deactivatedAt) throw new SignInProblem("deactivated", "account deactivated");
      await tx.update(userIdentities).set(identityRow).where(eq(userIdentities.fiscalNumber, identity.fiscalNumber));
      await recordAudit(tx, { id: owner.userId, label: `${user.name} (${user.role})` }, "user.signed_in", { type: "user", id: owner.userId }, details);
      return { userId: owner.userId, created: false, linked: false };
    }
    const [sameEmail] = await tx.select({ id: users.id }).from(users).where(eq(users.email, identity.email));
    if (sameEmail) throw new SignInProblem("email_in_use", "an account with the identity's email exists without this identity");
    const userId = randomUUID();
    const name = fullName(identity);
    await tx.insert(users).values({ id: userId, email: identity.email, name, passwordHash: NO_PASSWORD, role: "learner", emailVerifiedAt: now });
    await tx.insert(userIdentities).values({ fiscalNumber: identity.fiscalNumber, userId, ...identityRow });
    await recordAudit(tx, { id: userId, label: `${name} (learner)` }, "user.created_with_identity", { type: "user", id: userId }, details);
    await recordAudit(tx, { id: userId, label: `${name} (learner)` }, "user.signed_in", { type: "user", id: userId }, details);
    return { userId, created: true, linked: false };
  });
  // Linking happens in a session that is already open; a sign-in opens one.
  if (!result.linked) await startSession(result.userId, cookies);
  return result;
}

/** Unlinks the SPID/CIE identity, only when the account keeps a password to sign in with. */
export async function unlinkIdentity(user: { id: string; name: string; role: string }): Promise<void> {
  if (!(await hasPassword(user.id))) {
    throw new Refusal(
      "Il tuo account non ha una password: se scolleghi SPID/CIE non potresti più accedere. Imposta prima una password con «Hai dimenticato la password?» nella pagina di accesso, poi scollega.",
      "_form",
      { status: 409 },
    );
  }
  const db = await getDb();
  await db.transaction(async (tx) => {
    const removed = await tx.delete(userIdentities).where(eq(userIdentities.userId, user.id)).returning({ fiscalNumber: userIdentities.fiscalNumber });
    if (removed.length === 0) throw new Refusal("Al tuo account non è collegata nessuna identità SPID o CIE.", "_form", { status: 409 });
    await recordAudit(tx, { id: user.id, label: `${user.name} (${user.role})` }, "user.identity_unlinked", { type: "user", id: user.id });
  });
}
