/** What account pages add to the form idiom (handleForm in src/lib/forms.ts): the client address for per-IP limits. */
import type { AstroGlobal } from "astro";

/** The client address used for per-IP limits (the socket's peer; the server listens on its own). */
export function clientIp(astro: Pick<AstroGlobal, "clientAddress">): string {
  try {
    return astro.clientAddress || "sconosciuto";
  } catch {
    return "sconosciuto";
  }
}
