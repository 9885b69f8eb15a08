/**
 * The session cookie's name, on its own so the micro-cache in front of Astro
 * can tell signed-in requests apart without loading the accounts domain.
 */
export const SESSION_COOKIE_NAME = "aggrega_sessione";

const SESSION_COOKIE = new RegExp(`(?:^|;)\\s*${SESSION_COOKIE_NAME}=`);

/** Whether a Cookie header carries the session cookie (the only cookie the site reads). */
export function hasSessionCookie(header: string | undefined): boolean {
  return header !== undefined && SESSION_COOKIE.test(header);
}
