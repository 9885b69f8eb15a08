/**
 * What the node server checks before Astro sees a request (src/cli/start.ts):
 * bodies over the limit are refused with 413 before a byte of them is read,
 * URLs that are not valid UTF-8 get the Italian 400 page, and the client
 * address the rate limits use is decided here (the socket's peer, or the
 * proxy's X-Forwarded-For entry when TRUST_PROXY says how many proxies to trust).
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { MAX_FORM_BYTES } from "@/lib/upload-limit";

/** Every route but the attachment upload: a form of text fields never comes near it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Internal header carrying the client address to the pages; any copy sent by a client is dropped. */
export const CLIENT_IP_HEADER = "x-aggrega-client-ip";

/** Internal header naming a streamed upload body, to tell the middleware it went over the cap. */
export const BODY_ID_HEADER = "x-aggrega-body-id";
const OVERFLOWED = Symbol.for("aggrega.overflowed-bodies");

/** Ids of streamed bodies that passed their cap (shared with the middleware's bundle through globalThis). */
export function overflowedBodies(): Set<string> {
  const store = globalThis as Record<symbol, Set<string> | undefined>;
  return (store[OVERFLOWED] ??= new Set());
}

/** Streams a body through, counting; past `limit` it records the id and stops the stream with an error. */
async function* countedBody(req: http.IncomingMessage, limit: number, id: string): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      overflowedBodies().add(id);
      throw new Error(`Body size limit exceeded: more than ${limit} bytes`);
    }
    yield chunk;
  }
}

/** Set on globalThis once the front door is in front of the handler (not under `astro dev`). */
export const FRONT_DOOR_ACTIVE = Symbol.for("aggrega.front-door");

/** The pages the front door sends refused requests to (rendered by Astro with the site layout). */
export const BAD_REQUEST_PATH = "/richiesta-non-valida";
export const TOO_LARGE_PATH = "/richiesta-troppo-grande";

/** Routes that take uploads (multipart: press attachments, convention documents, SCORM packages, open-data imports): the only ones with the larger cap. */
const UPLOAD_ROUTES = [/^\/gestione\/catalogo\/importa\/?$/, /^\/gestione\/comunicati\/nuovo\/?$/, /^\/gestione\/comunicati\/(?!anteprima\/?$)[^/]+\/?$/, /^\/gestione\/catalogo\/convenzioni\/[^/]+\/?$/, /^\/gestione\/formazione\/scorm\/?$/];

export function bodyLimitFor(pathname: string): number {
  return UPLOAD_ROUTES.some((route) => route.test(pathname)) ? MAX_FORM_BYTES : MAX_BODY_BYTES;
}

function pathOf(rawUrl: string): string {
  const end = rawUrl.search(/[?#]/);
  return end === -1 ? rawUrl : rawUrl.slice(0, end);
}

/** The client address: the peer, or with `trustedProxies` > 0 the entry that many hops from the right of X-Forwarded-For. */
export function clientAddress(req: http.IncomingMessage, trustedProxies: number): string {
  const peer = req.socket.remoteAddress ?? "";
  if (trustedProxies <= 0) return peer;
  const header = req.headers["x-forwarded-for"];
  const entries = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return peer;
  return entries[Math.max(0, entries.length - trustedProxies)]!;
}

/** A small counting reader for bodies without Content-Length; resolves false when the limit was passed. */
function readLimited(req: http.IncomingMessage, limit: number): Promise<Buffer | false> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off("data", onData);
        req.pause();
        resolve(false);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", () => resolve(Buffer.concat(chunks)));
  });
}

/**
 * How a refused body ends: it is never read. After the answer the connection
 * is half-closed (the client has the whole 413 page and the end of the
 * stream) and dropped LINGER_MS later. Node would otherwise close it at once,
 * and with unread bytes in the socket the kernel sends a reset that can make
 * the client lose the page before showing it.
 */
const LINGER_MS = 2_000;
function lingerThenClose(req: http.IncomingMessage): void {
  const socket = req.socket as typeof req.socket & { destroySoon?: () => void };
  socket.destroySoon = function lingeringClose(this: typeof socket) {
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
    this.end();
  };
}

/**
 * Runs the checks and hands the request on (maybe re-pointed at an error
 * page). Refused bodies are never read: the request becomes a GET of the
 * error page and the connection is closed after the answer.
 */
export function frontDoor(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, options: { trustedProxies: number }) {
  // Tells the pages (a separate bundle in the same process) that CLIENT_IP_HEADER was set here, not by a client.
  (globalThis as Record<symbol, unknown>)[FRONT_DOOR_ACTIVE] = true;
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    delete req.headers[CLIENT_IP_HEADER];
    delete req.headers[BODY_ID_HEADER];
    req.headers[CLIENT_IP_HEADER] = clientAddress(req, options.trustedProxies);
    const rawUrl = req.url ?? "/";
    const refuse = (target: string) => {
      res.shouldKeepAlive = false;
      res.setHeader("Connection", "close");
      if (!req.complete) {
        // Node drains an unread body after the answer (IncomingMessage._dump, skipped once a reader has
        // started): marked as being consumed and paused, not a byte more of it is read.
        (req as http.IncomingMessage & { _consuming?: boolean })._consuming = true;
        req.pause();
        lingerThenClose(req);
      }
      req.method = "GET";
      req.url = target;
      delete req.headers["content-length"];
      delete req.headers["transfer-encoding"];
      delete req.headers["content-type"];
      handler(req, res);
    };
    try {
      decodeURI(rawUrl);
    } catch {
      return refuse(BAD_REQUEST_PATH);
    }
    if (req.method === "GET" || req.method === "HEAD") return handler(req, res);
    const limit = bodyLimitFor(pathOf(rawUrl));
    const declared = req.headers["content-length"];
    if (declared !== undefined) {
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length > limit) return refuse(TOO_LARGE_PATH);
      return handler(req, res);
    }
    if (req.headers["transfer-encoding"] === undefined) return handler(req, res);
    // Chunked body: the small limit is read here and counted; the upload route streams through a counter, and
    // the middleware answers 413 when it overflowed (whatever the page made of the cut-off form).
    if (limit > MAX_BODY_BYTES) {
      const id = randomUUID();
      req.headers[BODY_ID_HEADER] = id;
      (req as http.IncomingMessage & { body?: AsyncIterable<Buffer> }).body = countedBody(req, limit, id);
      return handler(req, res);
    }
    void readLimited(req, limit).then((body) => {
      if (body === false) return refuse(TOO_LARGE_PATH);
      (req as http.IncomingMessage & { body?: Buffer }).body = body;
      req.headers["content-length"] = String(body.length);
      delete req.headers["transfer-encoding"];
      handler(req, res);
    });
  };
}
