/**
 * Micro-caching in front of the Astro handler: an anonymous visitor's GET of
 * a public HTML page is kept for about a second, so a burst of readers of
 * the same catalog search or press release costs one render, not hundreds.
 * Anything personal bypasses it (the session cookie or an Authorization header, a
 * Set-Cookie in the answer, Cache-Control private/no-store), so it holds no
 * state that matters: every process may cache, an edit shows at once on the
 * process that took it and everywhere else within the TTL.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { log } from "@/lib/log";
import { hasSessionCookie } from "@/lib/session-cookie";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Entry {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  expires: number;
}

export interface MicroCacheOptions {
  /** How long an answer is reused; 0 turns the cache off. */
  ttlMs: number;
  /** Oldest entries are dropped beyond this many. */
  maxEntries?: number;
  /** Larger bodies are not kept. */
  maxBodyBytes?: number;
}

/**
 * Query parameters some page reads (a test scans src/ for new ones). The
 * cache key keeps only these, sorted, duplicates dropped, so `?q=x&pagina=2`,
 * `?pagina=2&q=x&utm_source=y` and `?pagina=2&q=x&zz=<random>` share one
 * entry: a random query string cannot force a render per request. A page
 * reading a parameter missing here would be served another address's copy,
 * so the test fails on any parameter not listed.
 */
export const KNOWN_QUERY_PARAMETERS = new Set([
  "aggiornato", "al", "anno", "attivazione-al", "attivazione-dal", "azione", "categoria", "codice", "completata",
  "code", "collega", "convenzione", "cpv", "dal", "dopo", "error", "error_description", "gestore", "iss", "state", "eliminato", "esito", "fornitore", "frequency", "importato", "invia-prova", "numero",
  "ordina", "pagina", "partners", "persona", "preferenze", "prova", "q", "regione", "revocato", "ricerca",
  "ritentati", "ritira", "lotto", "ritirato", "salvato", "scadenza", "scadenza-al", "scadenza-dal", "separatore", "soggetto",
  "stato", "t", "tag", "tentativo", "tipo", "token", "vista",
]);


/** The cache key of a request target: its path and its known, non-empty parameters in a fixed order. */
export function cacheKey(target: string): string {
  const queryStart = target.indexOf("?");
  if (queryStart === -1) return target;
  const path = target.slice(0, queryStart);
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(target.slice(queryStart + 1));
  } catch {
    return target;
  }
  const seen = new Set<string>();
  const kept = [...params]
    .filter(([name, value]) => {
      const pair = `${name}=${value}`;
      if (!KNOWN_QUERY_PARAMETERS.has(name) || seen.has(pair)) return false;
      seen.add(pair);
      return true;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const unique = kept;
  return unique.length ? `${path}?${new URLSearchParams(unique).toString()}` : path;
}

function cacheable(req: http.IncomingMessage): boolean {
  // Keyed on the session cookie, the only one the site reads: a consent or analytics cookie is no reason to render again.
  return req.method === "GET" && !hasSessionCookie(req.headers.cookie) && !req.headers.authorization;
}

function headerRecord(res: http.ServerResponse, extra: unknown): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...res.getHeaders() };
  if (extra && typeof extra === "object" && !Array.isArray(extra)) {
    for (const [name, value] of Object.entries(extra as http.OutgoingHttpHeaders)) headers[name.toLowerCase()] = value;
  }
  return headers;
}

function storable(status: number, headers: http.OutgoingHttpHeaders): boolean {
  const type = String(headers["content-type"] ?? "");
  const control = String(headers["cache-control"] ?? "");
  return status === 200 && type.startsWith("text/html") && headers["set-cookie"] === undefined && !/private|no-store/.test(control);
}

/** Wraps a node request handler with the micro-cache (or returns it unchanged when ttlMs is 0). */
export function withMicroCache(handler: Handler, options: MicroCacheOptions): Handler {
  const { ttlMs } = options;
  if (ttlMs <= 0) return handler;
  const maxEntries = options.maxEntries ?? 200;
  const maxBodyBytes = options.maxBodyBytes ?? 512 * 1024;
  const entries = new Map<string, Entry>();
  // One render per page at a time: the others wait for it (or get the expired copy meanwhile)
  // instead of all rendering at once the moment an entry expires.
  const rendering = new Map<string, ((entry: Entry | undefined) => void)[]>();

  const serve = (res: http.ServerResponse, key: string, entry: Entry) => {
    const requestId = randomUUID();
    res.writeHead(entry.status, { ...entry.headers, "x-request-id": requestId });
    res.end(entry.body);
    log("info", "request", { requestId, method: "GET", path: key.split("?")[0], status: entry.status, ms: 0, cached: true });
  };

  return (req, res) => {
    // A write may change what pages show: once one succeeds (2xx/3xx) this process forgets everything, so
    // its own writes show at once. A refused post (403, 413, 422, 429…) changed nothing and clears nothing.
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.once("finish", () => {
        if (res.statusCode < 400) entries.clear();
      });
      return handler(req, res);
    }
    if (!cacheable(req)) return handler(req, res);
    const key = cacheKey(req.url ?? "/");
    const hit = entries.get(key);
    if (hit && hit.expires > Date.now()) return serve(res, key, hit);
    const waiters = rendering.get(key);
    if (waiters) {
      if (hit) return serve(res, key, hit);
      waiters.push((entry) => (entry ? serve(res, key, entry) : handler(req, res)));
      return;
    }
    rendering.set(key, []);
    render(req, res, key);
  };

  function render(req: http.IncomingMessage, res: http.ServerResponse, key: string) {
    // Record what the handler sends while it sends it.
    let status = 200;
    let headers: http.OutgoingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const writeHead = res.writeHead.bind(res);
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      status = code;
      headers = headerRecord(res, typeof rest[0] === "string" ? rest[1] : rest[0]);
      return (writeHead as (...args: unknown[]) => http.ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;
    const keep = (chunk: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === "function" || size > maxBodyBytes) return;
      const buffer = Buffer.isBuffer(chunk) ? chunk : typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      chunks.push(buffer);
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return (end as (...args: unknown[]) => http.ServerResponse)(chunk, ...rest);
    }) as typeof res.end;

    let settled = false;
    const settle = (entry: Entry | undefined) => {
      if (settled) return;
      settled = true;
      const waiting = rendering.get(key) ?? [];
      rendering.delete(key);
      if (entry) {
        if (!entries.has(key) && entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, entry);
      }
      for (const wake of waiting) wake(entry);
    };
    res.once("finish", () => {
      if (size > maxBodyBytes) return settle(undefined);
      if (Object.keys(headers).length === 0) headers = headerRecord(res, undefined);
      status = res.statusCode || status;
      if (!storable(status, headers)) return settle(undefined);
      const kept = { ...headers };
      delete kept["x-request-id"];
      delete kept["date"];
      delete kept["transfer-encoding"];
      const body = Buffer.concat(chunks);
      kept["content-length"] = String(body.length);
      settle({ status, headers: kept, body, expires: Date.now() + ttlMs });
    });
    // An aborted answer stores nothing; whoever waited renders for themselves.
    res.once("close", () => settle(undefined));
    handler(req, res);
  }
}
