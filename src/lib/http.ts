/** Small helpers shared by endpoints. */
import { config } from "@/config";

/** Security headers on every response. Scripts only from our origin: no inline scripts anywhere. */
export function applySecurityHeaders(headers: Headers): void {
  headers.set(
    "Content-Security-Policy",
    [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "object-src 'none'",
    ].join("; "),
  );
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Referrer-Policy", "strict-origin-when-cross-origin");
  headers.set("X-Frame-Options", "DENY");
  headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  if (!config().isLocalSite) {
    headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
}

/**
 * Astro's origin check covers form posts only; JSON and other non-form
 * requests that change state call this. Same-origin browsers send Origin or
 * Sec-Fetch-Site; anything else cross-site is refused.
 */
export function isSameOrigin(request: Request, url: URL): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") return false;
  const origin = request.headers.get("origin");
  if (origin === null) return fetchSite !== null;
  return origin === url.origin;
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** Absolute URL on the public site (mail and feeds need absolute links). */
export function absoluteUrl(pathname: string): string {
  return new URL(pathname, `${config().siteUrl}/`).toString();
}
