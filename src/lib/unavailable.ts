/**
 * Tells "the database is busy or out of reach" apart from bugs, so the site
 * can answer 503 (try again shortly) instead of 500 for the former.
 */

// SQLite's busy/locked/IO codes (libSQL keeps SQLite's names, extended codes add a suffix).
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL)/;
// A libSQL server that is down, restarting or unreachable.
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|fetch failed|socket hang up|database is locked|SERVER_ERROR|HRANA_WEBSOCKET_ERROR/i;

/** True when `error` (or any error in its cause chain) says the database is busy, locked or unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const err = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof err.code === "string" && (UNAVAILABLE_CODES.test(err.code) || UNREACHABLE.test(err.code))) return true;
    if (typeof err.message === "string" && UNREACHABLE.test(err.message)) return true;
    current = err.cause;
  }
  return false;
}
