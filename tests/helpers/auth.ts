/**
 * Accounts for tests: create a user with a role in the test's database (the
 * one it chose with createTestDatabase or useSiteDatabase), and sign in over
 * HTTP to get the session cookie for guarded pages.
 *
 *   const site = await startSite();
 *   await useSiteDatabase(site);
 *   const editor = await createUserWithRole("editor");
 *   const cookie = await signInOverHttp(site.baseUrl, editor.email, editor.password);
 *   await fetch(`${site.baseUrl}/gestione`, { headers: { cookie } });
 */
import { randomUUID } from "node:crypto";
import type { Role } from "@db/schema";
import { createUser } from "@/accounts";
import { connection } from "@/lib/db";
import { SESSION_COOKIE_NAME } from "@/accounts/session";
import { postForm } from "./forms";

/** Passes the strength rules; every helper-made account uses it unless told otherwise. */
export const TEST_PASSWORD = "Cavallo-Batteria-Graffetta-42";

export interface TestUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
}

/** Creates a verified account with `role` in the current database (getDb()). */
export async function createUserWithRole(
  role: Role,
  options: { email?: string; name?: string; password?: string; verified?: boolean; organisation?: string } = {},
): Promise<TestUser> {
  const email = options.email ?? `${role}-${randomUUID().slice(0, 8)}@prova.example.it`;
  const name = options.name ?? `Utente ${role === "learner" ? "Corsista" : role === "editor" ? "Redazione" : "Amministratore"}`;
  const password = options.password ?? TEST_PASSWORD;
  const { id } = await createUser({ email, name, role, password, organisation: options.organisation ?? "Comune di Prova", verified: options.verified });
  return { id, email, name, role, password };
}

/** The Cookie header value of a session from a `Set-Cookie` list, or undefined. */
export function sessionCookieFrom(response: Response): string | undefined {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE_NAME}=`));
  const pair = cookie?.split(";")[0];
  return pair && pair !== `${SESSION_COOKIE_NAME}=` ? pair : undefined;
}

/** Signs in through /accedi and returns the Cookie header value ("aggrega_sessione=…"). */
export async function signInOverHttp(baseUrl: string, email: string, password = TEST_PASSWORD, origin = baseUrl): Promise<string> {
  // Forms are accepted only from the site's SITE_URL origin, which is baseUrl unless a test sets another.
  const response = await postForm(baseUrl, "/accedi", { email, password }, { Origin: origin });
  const cookie = sessionCookieFrom(response);
  if (response.status !== 303 || !cookie) {
    throw new Error(`sign-in as ${email} failed with status ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }
  return cookie;
}

/** Creates a user with `role` in the site's database and signs in: the common case for guarded pages. */
export async function signedInAs(site: { baseUrl: string; databaseUrl: string; publicOrigin?: string }, role: Role): Promise<{ user: TestUser; cookie: string }> {
  if ((await connection()).url !== site.databaseUrl) {
    throw new Error("signedInAs writes through getDb(): call useSiteDatabase(site) in the test's setup first");
  }
  const user = await createUserWithRole(role);
  return { user, cookie: await signInOverHttp(site.baseUrl, user.email, user.password, site.publicOrigin) };
}
