/**
 * Micro-caching in front of the Astro handler: an anonymous visitor's GET of
 * a public HTML page is kept for about a second, so a burst of readers of
 * the same catalog search or press release costs one render, not hundreds.
 * Anything personal bypasses it (a Cookie or Authorization header, a
 * Set-Cookie in the answer, Cache-Control private/no-store), so it holds no
 * state that matters: every process may cache, an edit shows at once on the
 * process that took it and everywhere else within the TTL. @see issue 10
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { log } from "@/lib/log";

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

function cacheable(req: http.IncomingMessage): boolean {
  return req.method === "GET" && !req.headers.cookie && !req.headers.authorization;
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

  return (req, res) => {
    // A form post may change what pages show: this process forgets everything, so its own writes show at once.
    if (req.method !== "GET" && req.method !== "HEAD") entries.clear();
    if (!cacheable(req)) return handler(req, res);
    const key = req.url ?? "/";
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && hit.expires > now) {
      const requestId = randomUUID();
      res.writeHead(hit.status, { ...hit.headers, "x-request-id": requestId });
      res.end(hit.body);
      log("info", "request", { requestId, method: "GET", path: key.split("?")[0], status: hit.status, ms: 0, cached: true });
      return;
    }
    if (hit) entries.delete(key);

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
    res.once("finish", () => {
      if (!res.headersSent || size > maxBodyBytes) return;
      if (Object.keys(headers).length === 0) headers = headerRecord(res, undefined);
      status = res.statusCode || status;
      if (!storable(status, headers)) return;
      delete headers["x-request-id"];
      delete headers["date"];
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      const body = Buffer.concat(chunks);
      headers["content-length"] = String(body.length);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { status, headers, body, expires: Date.now() + ttlMs });
    });
    handler(req, res);
  };
}
