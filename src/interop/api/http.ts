/**
 * The read API over HTTP: routing on the operations table, parameter
 * validation with the operations' zod schemas, per-client rate limits, ETag
 * and 304, CORS for GET, and every error as problem details.
 */
import { createHash } from "node:crypto";
import { hitRateLimit, RateLimitedError } from "@/accounts/rate-limit";
import { config } from "@/config";
import { toFtsQuery } from "@/catalog/fts";
import { errorMessage, log } from "@/lib/log";
import { API_BASE, openApiDocument } from "./openapi";
import { BadCursorError, OPERATIONS, type Operation } from "./operations";
import { describeIssues, preferredLanguage, problem, type Language, type ParameterError } from "./problem";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Expose-Headers": "ETag, Retry-After, Content-Language",
};

const routes = OPERATIONS.map((op) => ({
  op,
  names: [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
  pattern: new RegExp(`^${op.path.replace(/\{\w+\}/g, "([^/]+)")}$`),
}));

function match(path: string): { op: Operation; params: Record<string, string> } | null {
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(found[i + 1]!);
      } catch {
        params[name] = "";
      }
    });
    return { op: route.op, params };
  }
  return null;
}

function jsonWithEtag(request: Request, body: unknown, extra: Record<string, string> = {}): Response {
  const text = JSON.stringify(body);
  const etag = `"${createHash("sha256").update(text).digest("base64url").slice(0, 32)}"`;
  const headers = { ...CORS, ...extra, ETag: etag, "Cache-Control": "public, max-age=60", Vary: "Accept-Language" };
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch && (ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => t.trim().replace(/^W\//, "") === etag))) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === "HEAD" ? null : text, { headers: { ...headers, "Content-Type": "application/json; charset=utf-8" } });
}

const invalid = (lang: Language, errors: ParameterError[], instance: string) =>
  problem(
    lang,
    400,
    { it: "Parametri non validi", en: "Invalid parameters" },
    {
      it: `Correggi ${errors.length === 1 ? "il parametro" : "i parametri"} ${[...new Set(errors.map((e) => e.parameter))].join(", ")}: vedi ${API_BASE}/openapi.json.`,
      en: `Fix the parameter${errors.length === 1 ? "" : "s"} ${[...new Set(errors.map((e) => e.parameter))].join(", ")}: see ${API_BASE}/openapi.json.`,
    },
    { instance, errors, headers: CORS },
  );

export async function apiResponse(request: Request, url: URL, clientAddress: string): Promise<Response> {
  const lang = preferredLanguage(request.headers.get("accept-language"));
  const path = url.pathname.slice(API_BASE.length).replace(/\/+$/, "") || "/";
  const instance = url.pathname;

  if (request.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: { ...CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS", "Access-Control-Allow-Headers": "If-None-Match, Accept-Language", "Access-Control-Max-Age": "86400" },
    });
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return problem(lang, 405, { it: "Metodo non consentito", en: "Method not allowed" }, { it: "Questa API è in sola lettura: usa GET.", en: "This API is read-only: use GET." }, {
      instance,
      headers: { ...CORS, Allow: "GET, HEAD, OPTIONS" },
    });
  }

  try {
    await hitRateLimit({ name: "api-client", limit: config().API_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 }, clientAddress);
  } catch (error) {
    if (!(error instanceof RateLimitedError)) throw error;
    const seconds = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    return problem(
      lang,
      429,
      { it: "Troppe richieste", en: "Too many requests" },
      {
        it: `Hai superato le ${config().API_RATE_LIMIT_PER_MINUTE} richieste al minuto consentite a ogni client. Riprova tra ${seconds} secondi.`,
        en: `You exceeded the ${config().API_RATE_LIMIT_PER_MINUTE} requests per minute allowed to each client. Retry in ${seconds} seconds.`,
      },
      { instance, headers: { ...CORS, "Retry-After": seconds } },
    );
  }

  if (path === "/openapi.json") return jsonWithEtag(request, openApiDocument());

  const found = match(path);
  if (!found) {
    return problem(lang, 404, { it: "Risorsa inesistente", en: "Not found" }, { it: `Nessuna operazione risponde a ${url.pathname}: l'elenco è in ${API_BASE}/openapi.json.`, en: `No operation answers ${url.pathname}: the list is at ${API_BASE}/openapi.json.` }, { instance, headers: CORS });
  }
  const { op, params } = found;

  const raw: Record<string, string> = {};
  const repeated: ParameterError[] = [];
  for (const [name, value] of url.searchParams) {
    if (name in raw) repeated.push({ parameter: name, message: { it: "Parametro ripetuto: indicalo una volta sola.", en: "Repeated parameter: give it once." } });
    raw[name] = value;
  }
  const query = op.query.safeParse(raw);
  const errors = [...repeated, ...(query.success ? [] : describeIssues(query.error.issues))];
  if (query.success && typeof query.data.q === "string" && toFtsQuery(query.data.q) === null) {
    errors.push({ parameter: "q", message: { it: "Il testo cercato non contiene parole utili.", en: "The search text has no searchable words." } });
  }
  if (errors.length > 0 || !query.success) return invalid(lang, errors, instance);

  const pathParams = op.pathParams ? op.pathParams.safeParse(params) : { success: true as const, data: params };
  const notFound = () =>
    problem(lang, 404, { it: "Risorsa inesistente", en: "Not found" }, { it: `Non esiste ${url.pathname}.`, en: `${url.pathname} does not exist.` }, { instance, headers: CORS });
  if (!pathParams.success) return notFound();

  try {
    const outcome = await op.run({ query: query.data, path: pathParams.data as Record<string, string>, url });
    if (!outcome) return notFound();
    return jsonWithEtag(request, outcome.body);
  } catch (error) {
    if (error instanceof BadCursorError) {
      return invalid(lang, [{ parameter: "cursore", message: { it: "Cursore non valido: usa il valore next di una pagina.", en: "Invalid cursor: use the next value of a page." } }], instance);
    }
    log("error", "api.operation_failed", { operation: op.id, error: errorMessage(error) });
    return problem(lang, 500, { it: "Errore interno", en: "Internal error" }, { it: "La richiesta non è andata a buon fine: riprova più tardi.", en: "The request failed: try again later." }, { instance, headers: CORS });
  }
}
