/**
 * The built site's static files (dist/client: hashed assets in /_astro,
 * fonts, favicons, public/), answered by our own server in front of Astro.
 *
 * The set of files is read once at start-up: dist/client does not change
 * while a process serves it (a rebuild means a restart, since the server
 * bundle changes too). So a dynamic page costs one Map lookup here, never a
 * stat of the file system, and a static file is answered from memory:
 * hashed assets with an immutable Cache-Control, the rest with an ETag that
 * turns a revalidation into a 304. Anything else, including a miss under
 * /_astro, goes to Astro, which renders the site's 404 page.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import type http from "node:http";
import path from "node:path";
import { lookup } from "mrmime";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: string;
  cacheControl: string;
}

/** Astro's hashed build output: the name changes with the content, so a copy never goes stale. */
const HASHED_PREFIX = "/_astro/";
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Everything else may change with a deployment: reuse only after asking (a 304 costs no body). */
export const REVALIDATE = "public, max-age=0, must-revalidate";

const TEXT_TYPES = /^(text\/|application\/(javascript|json|manifest\+json|xml|ld\+json)|image\/svg\+xml)/;
/** Types mrmime does not name the way browsers expect. */
const EXTRA_TYPES: Record<string, string> = { ico: "image/x-icon" };

export function contentTypeOf(fileName: string): string {
  const extension = path.extname(fileName).slice(1).toLowerCase();
  const type = EXTRA_TYPES[extension] ?? lookup(extension) ?? "application/octet-stream";
  return TEXT_TYPES.test(type) ? `${type}; charset=utf-8` : type;
}

/** Dot-files stay private, except the well-known locations (RFC 8615). */
function hidden(relative: string): boolean {
  return relative.split("/").some((segment, index) => segment.startsWith(".") && !(index === 0 && segment === ".well-known"));
}

/** Every file under `clientDir`, by the URL path that serves it (`a/index.html` also answers `/a` and `/a/`). */
export function indexStaticFiles(clientDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string, prefix: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full, relative);
        continue;
      }
      if (!entry.isFile() || hidden(relative)) continue;
      const body = readFileSync(full);
      const urlPath = `/${relative}`;
      const file: StaticFile = {
        body,
        contentType: contentTypeOf(entry.name),
        etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
        lastModified: statSync(full).mtime.toUTCString(),
        cacheControl: urlPath.startsWith(HASHED_PREFIX) ? IMMUTABLE : REVALIDATE,
      };
      files.set(urlPath, file);
      if (entry.name === "index.html") {
        const folder = urlPath.slice(0, -"index.html".length);
        files.set(folder, file);
        if (folder !== "/") files.set(folder.slice(0, -1), file);
      }
    }
  };
  walk(clientDir, "");
  return files;
}

/** RFC 9110 §13.1.2: weak comparison, a list of tags or `*`. */
function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

function notModified(req: http.IncomingMessage, file: StaticFile): boolean {
  const tags = req.headers["if-none-match"];
  if (tags !== undefined) return matchesEtag(tags, file.etag);
  const since = req.headers["if-modified-since"];
  if (since === undefined) return false;
  const date = Date.parse(since);
  return Number.isFinite(date) && Date.parse(file.lastModified) <= date;
}

/** The URL path of a request target, percent-decoded; undefined when it cannot be decoded. */
function pathOf(target: string): string | undefined {
  const end = target.search(/[?#]/);
  const raw = end === -1 ? target : target.slice(0, end);
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** Answers GET and HEAD of a known static file; hands every other request to `next`. */
export function withStaticFiles(next: Handler, files: Map<string, StaticFile>): Handler {
  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next(req, res);
    const urlPath = pathOf(req.url ?? "/");
    const file = urlPath === undefined ? undefined : files.get(urlPath);
    if (!file) return next(req, res);
    res.setHeader("Cache-Control", file.cacheControl);
    res.setHeader("ETag", file.etag);
    res.setHeader("Last-Modified", file.lastModified);
    if (notModified(req, file)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader("Content-Type", file.contentType);
    res.setHeader("Content-Length", file.body.length);
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
}
