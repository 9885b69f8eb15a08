/** What account pages add to the form idiom (handleForm in src/lib/forms.ts): the client address for per-IP limits. */
import type { AstroGlobal } from "astro";
import { clientAddressOf } from "@/lib/http";

/** The client address used for per-IP limits, IPv6 bucketed by /64 (see clientAddressOf in src/lib/http.ts). */
export function clientIp(astro: Pick<AstroGlobal, "clientAddress" | "request">): string {
  return clientAddressOf(astro);
}
