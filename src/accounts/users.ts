/**
 * Accounts: registration, verification, sign-in, password reset and change,
 * and the admin operations on users. Messages never say whether an address
 * has an account; unknown addresses cost the same password check as known ones.
 */
import { randomUUID } from "node:crypto";
import type { AstroCookies } from "astro";
import { and, asc, eq, isNull, ne } from "drizzle-orm";
import { users, type Role } from "@db/schema";
import { getDb } from "@/lib/db";
import { recordAudit, type Actor } from "@/lib/audit";
import { Refusal } from "@/lib/refusal";
import { queueMail } from "@/outbox";
import { hashPassword, passwordProblem, spendPasswordCheck, verifyPassword } from "./password";
import { hitRateLimits, RATE_RULES, recipientKey, withinRateLimit } from "./rate-limit";
import { consumeToken, issueToken, revokeTokens, tokenOwner } from "./tokens";
import { alreadyRegisteredMessage, passwordChangedMessage, resetMessage, verificationMessage } from "./messages";
import { endAllSessions, endAllSessionsIn, endSession, startSession } from "./session";
import type { RegistrationInput } from "./schemas";
import type { SessionUser } from "./types";

/** A refusal from the account functions, shown on the form field it names. */
export class AccountError extends Refusal {
  override name = "AccountError";
}

/** The audit-log actor for a signed-in person. */
export function actorOf(user: Pick<SessionUser, "id" | "name" | "role">): Actor {
  return { id: user.id, label: `${user.name} (${user.role})` };
}

async function findByEmail(email: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.email, email.toLowerCase()));
  return user;
}

/**
 * Registers a learner and emails a verification link. When the address is
 * already registered the account is left alone and its owner gets a notice
 * instead: the answer is the same either way.
 */
export async function registerUser(input: RegistrationInput, client: { ip: string }): Promise<void> {
  await hitRateLimits([[RATE_RULES.registerIp, client.ip]]);
  const problem = passwordProblem(input.password, input);
  if (problem) throw new AccountError(problem, "password");
  const passwordHash = await hashPassword(input.password);
  const existing = await findByEmail(input.email);
  const db = await getDb();
  if (existing) {
    // Registering someone else's address over and over must not fill their inbox.
    if (await withinRateLimit(RATE_RULES.registerMailRecipient, recipientKey(existing.email))) {
      await queueMail(db, "account_already_registered", alreadyRegisteredMessage(existing.email, existing.name));
    }
    return;
  }
  const id = randomUUID();
  await db.transaction(async (tx) => {
    await tx.insert(users).values({
      id,
      email: input.email,
      name: input.name,
      organisation: input.organisation,
      ipaCode: input.ipaCode ?? null,
      passwordHash,
      role: "learner",
    });
    const token = await issueToken(tx, id, "verify_email");
    await queueMail(tx, "account_verification", verificationMessage(input.email, input.name, token));
  });
}

/** True when a verification link can still be used (the page shows its button only then). */
export async function isVerificationTokenValid(token: string): Promise<boolean> {
  return (await tokenOwner(await getDb(), token, "verify_email")) !== null;
}

/**
 * Confirms an address from the emailed link, on the POST of the button the
 * link's page shows (a mail scanner that follows links verifies nothing);
 * false when the link is unknown, expired or used.
 */
export async function verifyEmail(token: string): Promise<boolean> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const userId = await consumeToken(tx, token, "verify_email");
    if (!userId) return false;
    await tx.update(users).set({ emailVerifiedAt: new Date() }).where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)));
    return true;
  });
}

export type AuthResult = { ok: true; userId: string } | { ok: false; reason: "invalid" | "unverified" };

/**
 * Checks an email and password. Wrong email, wrong password and deactivated
 * account give the same answer; an unverified address with the right
 * password gets a fresh verification link.
 */
export async function authenticate(input: { email: string; password: string }, client: { ip: string }): Promise<AuthResult> {
  // Per account *and* source, with a far higher ceiling per account: a stranger hammering a known
  // address slows only themselves, and the owner can still sign in from their own network.
  const accountSource = `${input.email.toLowerCase()}|${client.ip}`;
  await hitRateLimits([
    [RATE_RULES.loginIp, client.ip],
    [RATE_RULES.loginAccountSourceMinute, accountSource],
    [RATE_RULES.loginAccountSource, accountSource],
    [RATE_RULES.loginAccountSourceDay, accountSource],
    [RATE_RULES.loginAccountCeiling, input.email],
  ]);
  const user = await findByEmail(input.email);
  if (!user) {
    await spendPasswordCheck(input.password);
    return { ok: false, reason: "invalid" };
  }
  const valid = await verifyPassword(user.passwordHash, input.password);
  if (!valid || user.deactivatedAt) return { ok: false, reason: "invalid" };
  if (!user.emailVerifiedAt) {
    // A new link, the earlier ones still valid; a daily cap keeps repeated sign-ins from bombing the inbox.
    if (await withinRateLimit(RATE_RULES.verifyMailRecipient, recipientKey(user.email))) {
      const db = await getDb();
      await db.transaction(async (tx) => {
        const token = await issueToken(tx, user.id, "verify_email");
        await queueMail(tx, "account_verification", verificationMessage(user.email, user.name, token));
      });
    }
    return { ok: false, reason: "unverified" };
  }
  return { ok: true, userId: user.id };
}

/** Authenticates and, on success, starts a session and sets its cookie. */
export async function signIn(input: { email: string; password: string }, client: { ip: string }, cookies: AstroCookies): Promise<AuthResult> {
  const result = await authenticate(input, client);
  if (result.ok) await startSession(result.userId, cookies);
  return result;
}

/** Signs out of this browser only. */
export function signOut(sessionId: string, cookies: AstroCookies): Promise<void> {
  return endSession(sessionId, cookies);
}

/** Signs out of every device, this one included. */
export async function signOutEverywhere(user: { id: string }, sessionId: string, cookies: AstroCookies): Promise<void> {
  await endAllSessions(user.id);
  await endSession(sessionId, cookies);
}

/**
 * Emails a reset link when the address belongs to an active account. The
 * caller always shows the same answer; the mail is queued with the token and
 * leaves in the background, so the response time does not depend on sending.
 */
export async function requestPasswordReset(email: string, client: { ip: string }): Promise<void> {
  await hitRateLimits([
    [RATE_RULES.resetIp, client.ip],
    [RATE_RULES.resetAccountSource, `${email.toLowerCase()}|${client.ip}`],
  ]);
  const user = await findByEmail(email);
  if (!user || user.deactivatedAt) return;
  // Past the daily cap per mailbox the answer is the same and no mail leaves.
  if (!(await withinRateLimit(RATE_RULES.resetMailRecipient, recipientKey(user.email)))) return;
  const db = await getDb();
  await db.transaction(async (tx) => {
    const token = await issueToken(tx, user.id, "reset_password");
    await queueMail(tx, "password_reset", resetMessage(user.email, user.name, token));
  });
}

/** True when a reset link can still be used (the page checks before showing the form). */
export async function isResetTokenValid(token: string): Promise<boolean> {
  return (await tokenOwner(await getDb(), token, "reset_password")) !== null;
}

/**
 * Sets a new password from a reset link, confirms the address (the link
 * proved it), voids other reset links and ends every session, all in one
 * transaction. A weak password leaves the link usable.
 */
export async function resetPassword(token: string, password: string): Promise<void> {
  const db = await getDb();
  const ownerId = await tokenOwner(db, token, "reset_password");
  const [owner] = ownerId ? await db.select({ id: users.id, email: users.email, name: users.name }).from(users).where(eq(users.id, ownerId)) : [];
  const invalid = new AccountError("Il collegamento non è valido, è scaduto o è già stato usato. Chiedi un nuovo collegamento.");
  if (!owner) throw invalid;
  const problem = passwordProblem(password, owner);
  if (problem) throw new AccountError(problem, "password");
  const passwordHash = await hashPassword(password);
  const changed = await db.transaction(async (tx) => {
    const userId = await consumeToken(tx, token, "reset_password");
    if (!userId) return false;
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    await tx.update(users).set({ emailVerifiedAt: new Date() }).where(and(eq(users.id, userId), isNull(users.emailVerifiedAt)));
    await revokeTokens(tx, userId, "reset_password");
    await endAllSessionsIn(tx, userId);
    await queueMail(tx, "password_changed", passwordChangedMessage(owner.email, owner.name));
    return true;
  });
  if (!changed) throw invalid;
}

/**
 * Changes the password of a signed-in person. The new hash, the end of every
 * session and the voiding of outstanding reset links commit together; this
 * device then gets a new session.
 */
export async function changePassword(
  user: SessionUser,
  input: { currentPassword: string; password: string },
  cookies: AstroCookies,
): Promise<void> {
  const db = await getDb();
  const [row] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id));
  if (!row || !(await verifyPassword(row.passwordHash, input.currentPassword))) {
    throw new AccountError("La password attuale non è corretta.", "currentPassword");
  }
  const problem = passwordProblem(input.password, user);
  if (problem) throw new AccountError(problem, "password");
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id));
    await endAllSessionsIn(tx, user.id);
    await revokeTokens(tx, user.id, "reset_password");
    await queueMail(tx, "password_changed", passwordChangedMessage(user.email, user.name));
  });
  await startSession(user.id, cookies);
}

/** The editable profile of a signed-in person. */
export async function getProfile(userId: string): Promise<{ name: string; email: string; organisation: string; ipaCode: string | null; role: Role } | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ name: users.name, email: users.email, organisation: users.organisation, ipaCode: users.ipaCode, role: users.role })
    .from(users)
    .where(eq(users.id, userId));
  return row;
}

/** Updates name, organisation and IPA code. */
export async function updateProfile(userId: string, input: { name: string; organisation: string; ipaCode: string | null }): Promise<void> {
  const db = await getDb();
  await db.update(users).set({ name: input.name, organisation: input.organisation, ipaCode: input.ipaCode }).where(eq(users.id, userId));
}

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
  organisation?: string;
  /** Accounts made by an admin or a test start verified unless told otherwise. */
  verified?: boolean;
}

/** Creates an account directly (admin CLI, tests). Refuses weak passwords and known addresses. */
export async function createUser(input: NewUser): Promise<{ id: string }> {
  const email = input.email.trim().toLowerCase();
  const problem = passwordProblem(input.password, { email, name: input.name });
  if (problem) throw new AccountError(problem, "password");
  if (await findByEmail(email)) throw new AccountError(`Esiste già un account con l'indirizzo ${email}.`, "email");
  const db = await getDb();
  const id = randomUUID();
  await db.insert(users).values({
    id,
    email,
    name: input.name.trim(),
    organisation: input.organisation?.trim() ?? "",
    passwordHash: await hashPassword(input.password),
    role: input.role,
    emailVerifiedAt: input.verified === false ? null : new Date(),
  });
  return { id };
}

export interface UserListItem {
  id: string;
  email: string;
  name: string;
  organisation: string;
  role: Role;
  verified: boolean;
  active: boolean;
  createdAt: Date;
}

/** Every account, for the admin page. */
export async function listUsers(): Promise<UserListItem[]> {
  const db = await getDb();
  const rows = await db.select().from(users).orderBy(asc(users.name), asc(users.email));
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    organisation: u.organisation,
    role: u.role,
    verified: u.emailVerifiedAt !== null,
    active: u.deactivatedAt === null,
    createdAt: u.createdAt,
  }));
}

/** An admin changes someone's role; admins cannot demote themselves, so the site never loses its last admin by accident. */
export async function changeRole(actor: SessionUser, userId: string, role: Role): Promise<void> {
  if (actor.id === userId) throw new AccountError("Non puoi cambiare il tuo stesso ruolo: chiedilo a un altro amministratore.");
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [target] = await tx.update(users).set({ role }).where(and(eq(users.id, userId), ne(users.role, role))).returning({ email: users.email });
    if (target) await recordAudit(tx, actorOf(actor), "user.role_changed", { type: "user", id: userId }, { role });
  });
}

/** An admin deactivates (signing the person out everywhere) or reactivates an account. */
export async function setUserActive(actor: SessionUser, userId: string, active: boolean): Promise<void> {
  if (actor.id === userId) throw new AccountError("Non puoi disattivare il tuo stesso account.");
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [target] = await tx
      .update(users)
      .set({ deactivatedAt: active ? null : new Date() })
      .where(eq(users.id, userId))
      .returning({ id: users.id });
    if (!target) throw new AccountError("Utente non trovato.");
    await recordAudit(tx, actorOf(actor), active ? "user.reactivated" : "user.deactivated", { type: "user", id: userId });
  });
  if (!active) await endAllSessions(userId);
}
