/** Small helpers shared by endpoints. */
import { config } from "@/config";

/** Where SCORM package files are served (src/pages/scorm-content): framed by the player, with their own policy. */
export const SCORM_CONTENT_PREFIX = "/scorm-content/";

/**
 * The policy of SCORM package files. Packages are authored elsewhere and use
 * inline scripts and styles, so those are allowed, but only from this
 * origin; they may not make requests of their own (connect-src, form-action:
 * the CMI data goes through the player's runtime), load plugins, change the
 * base URL, or be framed by any page but the player.
 */
const SCORM_CONTENT_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "connect-src 'none'",
  "form-action 'none'",
  "worker-src 'none'",
  "frame-ancestors 'self'",
  "base-uri 'self'",
  "object-src 'none'",
].join("; ");

/** Security headers on every response. Scripts only from our origin: no inline scripts anywhere (SCORM package files excepted, see above). */
export function securityHeaders(pathname = ""): [name: string, value: string][] {
  if (pathname.startsWith(SCORM_CONTENT_PREFIX)) {
    const headers: [string, string][] = [
      ["Content-Security-Policy", SCORM_CONTENT_POLICY],
      ["X-Content-Type-Options", "nosniff"],
      ["Referrer-Policy", "same-origin"],
      ["X-Frame-Options", "SAMEORIGIN"],
      ["Cross-Origin-Resource-Policy", "same-origin"],
      ["Permissions-Policy", "camera=(), microphone=(), geolocation=()"],
    ];
    if (!config().isLocalSite) headers.push(["Strict-Transport-Security", "max-age=31536000; includeSubDomains"]);
    return headers;
  }
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

export function applySecurityHeaders(headers: Headers, pathname = ""): void {
  for (const [name, value] of securityHeaders(pathname)) headers.set(name, value);
}

/**
 * The origins our own pages are served from: the configured SITE_URL's,
 * never one built from the request's Host (behind a TLS proxy that would be
 * http://<Host>, and a forged Host would make any origin "ours"). A local
 * site also answers on the other loopback names with the same port.
 */
export function trustedOrigins(): string[] {
  const site = new URL(config().siteUrl);
  if (!config().isLocalSite) return [site.origin];
  const port = site.port ? `:${site.port}` : "";
  return [site.origin, ...["localhost", "127.0.0.1", "[::1]"].map((name) => `${site.protocol}//${name}${port}`)];
}

/** The origin a request says it comes from: Origin, else the origin of Referer; null when neither is usable. */
export function requestOrigin(request: Request): string | null {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null") return origin;
  const referer = request.headers.get("referer");
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

function fromOurOrigin(request: Request): boolean {
  const origin = requestOrigin(request);
  return origin !== null && trustedOrigins().includes(origin);
}

/**
 * Astro's origin check covers form posts only; JSON and other non-form
 * requests that change state call this. Same-origin browsers send Origin or
 * Sec-Fetch-Site; anything else cross-site is refused.
 */
export function isSameOrigin(request: Request, _url?: URL): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") return false;
  if (requestOrigin(request) === null) return fetchSite !== null;
  return fromOurOrigin(request);
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
export const CROSS_SITE_FORM_PATHS = ["/avvisi/disiscrizione", "/formazione/promemoria"];

const FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

/**
 * The same rule as Astro's `security.checkOrigin` (which is off in
 * astro.config.mjs so that this one can make the exception above): a state-changing
 * request whose content type a plain HTML form can send, or that has none,
 * must come from our own origin — the SITE_URL's, checked on Origin or, when
 * a browser or proxy dropped it, on Referer.
 */
export function isForbiddenCrossSitePost(request: Request, url: URL): boolean {
  if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return false;
  if (CROSS_SITE_FORM_PATHS.includes(url.pathname.replace(/\/+$/, ""))) return false;
  const sameOrigin = fromOurOrigin(request);
  const contentType = request.headers.get("content-type");
  if (contentType === null) return !sameOrigin;
  const formLike = FORM_CONTENT_TYPES.some((type) => contentType.toLowerCase().includes(type));
  return formLike && !sameOrigin;
}

/**
 * The key per-address rate limits count under: IPv4 as is, IPv6 by its /64
 * (one household or server gets a whole /64, so counting addresses one by one
 * lets a single sender rotate through billions), IPv4-mapped IPv6 as IPv4.
 */
export function addressBucket(address: string): string {
  const plain = address.trim().replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped) return mapped[1]!;
  if (!plain.includes(":")) return plain || "sconosciuto";
  const compressed = plain.includes("::");
  const [head = "", tail = ""] = plain.split("::", 2);
  const left = head ? head.split(":") : [];
  const right = compressed && tail ? tail.split(":") : [];
  const groups = compressed ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  if (groups.length < 4) return plain;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * The client's address as the front door decided it (src/lib/front-door.ts:
 * the socket's peer, or X-Forwarded-For when TRUST_PROXY is set), bucketed
 * for rate limits. Falls back to Astro's clientAddress under `astro dev`.
 */
export function clientAddressOf(astro: { request: Request; clientAddress?: string }): string {
  // Under `astro dev` there is no front door, and the header would be whatever the client sent.
  const frontDoor = (globalThis as Record<symbol, unknown>)[Symbol.for("aggrega.front-door")] === true;
  const decided = frontDoor ? astro.request.headers.get("x-aggrega-client-ip") : null;
  if (decided) return addressBucket(decided);
  try {
    return addressBucket(astro.clientAddress || "");
  } catch {
    return "sconosciuto";
  }
}

/** Pages that show or act on one person's data, or carry a credential in their address. */
const PRIVATE_PATHS = ["/account", "/gestione", "/accedi", "/registrati", "/password-dimenticata", "/reimposta-password", "/esci", "/avvisi/conferma", "/avvisi/preferenze", "/avvisi/disiscrizione", "/formazione/promemoria"];
const CREDENTIAL_PARAMETERS = ["token", "t"];

/**
 * True when an answer must not be kept by any cache (`Cache-Control:
 * private, no-store`): account, back-office and token-bearing pages, and
 * every page a signed-in person gets (its header names them).
 */
export function isPrivateAnswer(url: URL, signedIn: boolean): boolean {
  if (signedIn) return true;
  const path = url.pathname.replace(/\/+$/, "") || "/";
  if (PRIVATE_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return true;
  return CREDENTIAL_PARAMETERS.some((name) => url.searchParams.has(name));
}

/**
 * Drops C0/C1 control characters (tab and line breaks included: callers use it
 * on one-line values such as titles) and lone surrogates, which break ICS
 * lines, make RSS invalid XML and can hide formulas in CSV cells. Line breaks
 * in multi-line text are kept with `keepLineBreaks`.
 */
export function withoutControlCharacters(value: string, keepLineBreaks = false): string {
  const cleaned = value.replace(keepLineBreaks ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g, keepLineBreaks ? "" : " ");
  return cleaned.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
}
