/** Small helpers shared by endpoints. */
import { config } from "@/config";

/** Security headers on every response. Scripts only from our origin: no inline scripts anywhere. */
export function securityHeaders(): [name: string, value: string][] {
  const headers: [string, string][] = [
    [
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
    ],
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "strict-origin-when-cross-origin"],
    ["X-Frame-Options", "DENY"],
    ["Permissions-Policy", "camera=(), microphone=(), geolocation=()"],
  ];
  if (!config().isLocalSite) {
    headers.push(["Strict-Transport-Security", "max-age=31536000; includeSubDomains"]);
  }
  return headers;
}

export function applySecurityHeaders(headers: Headers): void {
  for (const [name, value] of securityHeaders()) headers.set(name, value);
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

/**
 * Paths that must accept form posts from other sites. RFC 8058 one-click
 * unsubscribe is POSTed by the mail provider's servers with
 * `Content-Type: application/x-www-form-urlencoded` and no Origin header;
 * Astro's built-in check would answer 403 (it refuses any form-like POST whose
 * Origin differs from the site, a missing Origin included). The signed token
 * in the URL is the credential there, so a forged cross-site post gains nothing.
 */
export const CROSS_SITE_FORM_PATHS = ["/avvisi/disiscrizione"];

const FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/**
 * The same rule as Astro's `security.checkOrigin` (which is off in
 * astro.config.mjs so that this one can make the exception above): a state-changing
 * request whose content type a plain HTML form can send, or that has none,
 * must come from our own origin.
 */
export function isForbiddenCrossSitePost(request: Request, url: URL): boolean {
  if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return false;
  if (CROSS_SITE_FORM_PATHS.includes(url.pathname.replace(/\/+$/, ""))) return false;
  const sameOrigin = request.headers.get("origin") === url.origin;
  const contentType = request.headers.get("content-type");
  if (contentType === null) return !sameOrigin;
  const formLike = FORM_CONTENT_TYPES.some((type) => contentType.toLowerCase().includes(type));
  return formLike && !sameOrigin;
}
