/**
 * The OCDS downloads over HTTP: the catalog's filters, a strong ETag on the
 * exact bytes, Last-Modified from the latest release, 304 on a conditional GET,
 * CORS for reading from any origin.
 */
import { createHash } from "node:crypto";
import { parseCatalogQuery } from "@/catalog";
import { absoluteUrl } from "@/lib/http";
import { OCDS_POLICY_PATH, ocdsReleases, lastChange, recordPackage, releasePackage, releasesJsonLines } from "./publish";

export type OcdsFormat = "releases" | "records" | "jsonl";

const CONTENT_TYPES: Record<OcdsFormat, string> = {
  releases: "application/json; charset=utf-8",
  records: "application/json; charset=utf-8",
  jsonl: "application/x-ndjson; charset=utf-8",
};

const COMMON_HEADERS = {
  "Cache-Control": "public, max-age=300",
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "ETag, Last-Modified",
  Vary: "Accept-Encoding",
};

/** The catalog's parameters; each is checked on its own to name the ones that are wrong. */
const CATALOG_PARAMETERS = ["q", "categoria", "soggetto", "cpv", "tipo", "stato", "regione", "scadenza", "ordina", "pagina"];

/**
 * The catalog page ignores a bad filter and says so; a download must not
 * silently widen, so it refuses: RFC 9457 problem details, in Italian.
 */
function badRequest(params: URLSearchParams): Response {
  const wrong = CATALOG_PARAMETERS.filter((name) => params.has(name) && parseCatalogQuery(new URLSearchParams([[name, params.get(name)!]])).messages.length > 0);
  const body = {
    type: "about:blank",
    title: "Parametri non validi",
    status: 400,
    detail: `Valore non valido per ${wrong.length === 1 ? "il parametro" : "i parametri"} ${wrong.map((n) => `«${n}»`).join(", ")}: usa gli stessi valori dei filtri del catalogo, descritti in ${absoluteUrl(OCDS_POLICY_PATH)}.`,
    parametri: wrong,
  };
  return new Response(JSON.stringify(body), {
    status: 400,
    headers: { ...COMMON_HEADERS, "Cache-Control": "no-store", "Content-Type": "application/problem+json; charset=utf-8", "Content-Language": "it" },
  });
}

/** Whether the client's copy (If-None-Match, else If-Modified-Since) is current. */
export function isNotModified(request: Request, etag: string, lastModifiedMs: number): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
  }
  const since = Date.parse(request.headers.get("if-modified-since") ?? "");
  return !Number.isNaN(since) && lastModifiedMs <= since;
}

export async function ocdsResponse(request: Request, url: URL, format: OcdsFormat): Promise<Response> {
  const { query, messages } = parseCatalogQuery(url.searchParams);
  if (messages.length > 0) return badRequest(url.searchParams);
  const releases = await ocdsReleases(query);
  const uri = absoluteUrl(`${url.pathname}${url.search}`);
  const body =
    format === "jsonl" ? releasesJsonLines(releases) : JSON.stringify(format === "records" ? recordPackage(uri, releases) : releasePackage(uri, releases));
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
  const lastModified = Date.parse(lastChange(releases));
  const headers = { ...COMMON_HEADERS, ETag: etag, "Last-Modified": new Date(lastModified).toUTCString() };
  if (isNotModified(request, etag, lastModified)) return new Response(null, { status: 304, headers });
  return new Response(body, { headers: { ...headers, "Content-Type": CONTENT_TYPES[format] } });
}
