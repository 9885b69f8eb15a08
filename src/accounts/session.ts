/**
 * Sessions. Every call into lucia v3 lives in this file: the library is
 * deprecated (lucia-auth/lucia#1766), so replacing it must touch one module.
 */
import { DrizzleSQLiteAdapter } from "@lucia-auth/adapter-drizzle";
import { Lucia, TimeSpan, type DatabaseSession, type DatabaseUser } from "lucia";
import { eq, sql } from "drizzle-orm";
import type { AstroCookies } from "astro";
import { sessions, users, type Role } from "@db/schema";
import { config } from "@/config";
import { getDb, type Database } from "@/lib/db";
import type { SessionInfo, SessionUser } from "./types";

import { SESSION_COOKIE_NAME } from "@/lib/session-cookie";

/** The cookie's name, for tests and helpers that sign in over HTTP. */
export { SESSION_COOKIE_NAME };

/** Sessions last 30 days and are extended on use once half of that has passed. */
const SESSION_LIFETIME = new TimeSpan(30, "d");

/**
 * The drizzle adapter, with the session check as one prepared join: the
 * stock adapter runs two queries per check (the session, then the user
 * through the session). lucia's own rules (expiry, extension past half the
 * lifetime) are untouched: they live in `Lucia.validateSession`.
 */
class OneQueryAdapter extends DrizzleSQLiteAdapter {
  private readonly check;

  constructor(db: Database) {
    super(db, sessions, users);
    this.check = db
      .select({ session: sessions, user: users })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sql.placeholder("id")))
      .prepare();
  }

  override async getSessionAndUser(sessionId: string): Promise<[DatabaseSession | null, DatabaseUser | null]> {
    const [row] = await this.check.all({ id: sessionId });
    if (!row) return [null, null];
    const { id, userId, expiresAt, ...sessionAttributes } = row.session;
    const session: DatabaseSession = { id, userId, expiresAt: new Date(expiresAt * 1000), attributes: sessionAttributes };
    if (!row.user) return [session, null];
    const { id: uid, ...userAttributes } = row.user;
    return [session, { id: uid, attributes: userAttributes }];
  }
}

function build(db: Awaited<ReturnType<typeof getDb>>) {
  return new Lucia(new OneQueryAdapter(db), {
    sessionExpiresIn: SESSION_LIFETIME,
    sessionCookie: {
      name: SESSION_COOKIE_NAME,
      attributes: { sameSite: "lax", secure: !config().isLocalSite, path: "/" },
    },
    getUserAttributes: (row) => ({
      email: row.email,
      name: row.name,
      organisation: row.organisation,
      role: row.role,
      emailVerifiedAt: row.emailVerifiedAt,
      deactivatedAt: row.deactivatedAt,
    }),
  });
}

declare module "lucia" {
  interface Register {
    Lucia: ReturnType<typeof build>;
    /** The adapter hands over the drizzle row of `users`. */
    DatabaseUserAttributes: {
      email: string;
      name: string;
      organisation: string;
      role: Role;
      emailVerifiedAt: Date | null;
      deactivatedAt: Date | null;
    };
  }
}

let instance: { db: unknown; lucia: ReturnType<typeof build> } | undefined;

/** One lucia per database connection (tests swap the connection). */
async function lucia() {
  const db = await getDb();
  if (instance?.db !== db) instance = { db, lucia: build(db) };
  return instance.lucia;
}

/** Starts a session for a user who just proved who they are, and sets its cookie. */
export async function startSession(userId: string, cookies: AstroCookies): Promise<void> {
  const auth = await lucia();
  const session = await auth.createSession(userId, {});
  const cookie = auth.createSessionCookie(session.id);
  cookies.set(cookie.name, cookie.value, { ...cookie.attributes, httpOnly: true });
}

/**
 * Reads the session cookie, validates it, re-sends it when the session was
 * extended and blanks it when the session is gone. Deactivated accounts get
 * no session.
 */
export async function resumeSession(cookies: AstroCookies): Promise<{ user: SessionUser; session: SessionInfo } | null> {
  const auth = await lucia();
  const sessionId = cookies.get(auth.sessionCookieName)?.value ?? null;
  if (!sessionId) return null;
  const { session, user } = await auth.validateSession(sessionId);
  if (!session || user.deactivatedAt) {
    if (session) await auth.invalidateSession(session.id);
    const blank = auth.createBlankSessionCookie();
    cookies.set(blank.name, blank.value, { ...blank.attributes, httpOnly: true });
    return null;
  }
  if (session.fresh) {
    const cookie = auth.createSessionCookie(session.id);
    cookies.set(cookie.name, cookie.value, { ...cookie.attributes, httpOnly: true });
  }
  return {
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      organisation: user.organisation,
      role: user.role,
      emailVerified: Boolean(user.emailVerifiedAt),
    },
    session: { id: session.id, expiresAt: session.expiresAt, fresh: session.fresh },
  };
}

/** Ends one session and blanks its cookie. */
export async function endSession(sessionId: string, cookies: AstroCookies): Promise<void> {
  const auth = await lucia();
  await auth.invalidateSession(sessionId);
  const blank = auth.createBlankSessionCookie();
  cookies.set(blank.name, blank.value, { ...blank.attributes, httpOnly: true });
}

/** Ends every session of a user (sign out everywhere, password change, deactivation). */
export async function endAllSessions(userId: string): Promise<void> {
  const auth = await lucia();
  await auth.invalidateUserSessions(userId);
}

/**
 * Ends every session of a user inside the caller's transaction, so a password
 * change or reset and the sign-out of every device commit together (Lucia's
 * invalidateUserSessions deletes these same rows, outside any transaction).
 */
export async function endAllSessionsIn(tx: Pick<Database, "delete">, userId: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
}

/** Deletes sessions past their expiry; run on a schedule by the cleanup job. */
export async function deleteExpiredSessions(): Promise<void> {
  const auth = await lucia();
  await auth.deleteExpiredSessions();
}
