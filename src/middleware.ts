import { randomUUID } from "node:crypto";
import { defineMiddleware, sequence } from "astro:middleware";
import { applySecurityHeaders, isForbiddenCrossSitePost, isPrivateAnswer } from "@/lib/http";
import { BODY_ID_HEADER, overflowedBodies, TOO_LARGE_PATH } from "@/lib/front-door";
import { log, errorMessage } from "@/lib/log";
import { isDatabaseUnavailable } from "@/lib/unavailable";
import { backOfficeRole, guard, resumeSession } from "@/accounts";

/** Gives every request an id, logs it as one JSON line and adds security headers. */
const requestContext = defineMiddleware(async (context, next) => {
  const started = performance.now();
  // A caller's id is kept only if it is a plain token, so it cannot forge or break log lines.
  const offered = context.request.headers.get("x-request-id");
  const requestId = context.locals.requestId ?? (offered && /^[\w.-]{1,64}$/.test(offered) ? offered : randomUUID());
  context.locals.requestId = requestId;
  context.locals.user ??= null;
  context.locals.session ??= null;
  // A streamed upload that went over its cap (src/lib/front-door.ts) gets the 413 page, whatever the page made of it.
  const bodyId = context.request.headers.get(BODY_ID_HEADER);
  const overflowed = () => bodyId !== null && overflowedBodies().delete(bodyId);
  const tooLarge = () => context.rewrite(new Request(new URL(TOO_LARGE_PATH, context.url), { headers: context.request.headers }));
  let response: Response;
  try {
    response = await next();
    if (overflowed()) response = await tooLarge();
  } catch (error) {
    if (overflowed()) {
      response = await tooLarge();
    } else {
      // Second failure while rendering the error page itself: a bare page, still no stack trace.
      if (context.locals.failure) return bareErrorPage(context.locals.failure, requestId);
      const unavailable = isDatabaseUnavailable(error);
      context.locals.failure = unavailable ? "unavailable" : "error";
      log(unavailable ? "warn" : "error", unavailable ? "request.unavailable" : "request.failed", {
        requestId,
        method: context.request.method,
        path: context.url.pathname,
        error: errorMessage(error),
      });
      // Rendering the error page here, instead of rethrowing, keeps Astro from printing the stack
      // and lets 500.astro answer 503 when the database is busy or unreachable.
      // A fresh GET request: the failed one's body may already have been read.
      return context.rewrite(new Request(new URL("/500", context.url), { headers: context.request.headers }));
    }
  }
  // Astro always sends 500.astro with status 500; a busy or unreachable database is temporary, hence 503.
  if (context.locals.failure === "unavailable" && response.status === 500) {
    response = new Response(response.body, { status: 503, statusText: "Service Unavailable", headers: response.headers });
  }
  // Responses from fetch() or static files can be immutable; copy before editing headers.
  const privateAnswer = isPrivateAnswer(context.url, context.locals.user !== null);
  const decorate = (headers: Headers) => {
    applySecurityHeaders(headers, context.url.pathname);
    headers.set("X-Request-Id", requestId);
    if (privateAnswer) headers.set("Cache-Control", "private, no-store");
  };
  try {
    decorate(response.headers);
  } catch {
    response = new Response(response.body, response);
    decorate(response.headers);
  }
  log("info", "request", {
    requestId,
    method: context.request.method,
    path: context.url.pathname,
    status: response.status,
    ms: Math.round(performance.now() - started),
  });
  return response;
});

function bareErrorPage(failure: "unavailable" | "error", requestId: string): Response {
  const unavailable = failure === "unavailable";
  const title = unavailable ? "Servizio momentaneamente non disponibile" : "Si è verificato un errore";
  const body = `<!doctype html><html lang="it"><head><meta charset="utf-8"><title>${title} – Aggrega</title></head><body><main><h1>${title}</h1><p>Riprova tra qualche istante. Codice per l'assistenza: ${requestId}</p><p><a href="/">Torna alla pagina iniziale</a></p></main></body></html>`;
  const headers = new Headers({ "Content-Type": "text/html; charset=utf-8", "X-Request-Id": requestId });
  if (unavailable) headers.set("Retry-After", "30");
  applySecurityHeaders(headers);
  return new Response(body, { status: unavailable ? 503 : 500, headers });
}

/**
 * Validates the session cookie (extending or blanking it), exposes the person
 * as `locals.user`, and refuses the back office to anyone without the role.
 */
const session = defineMiddleware(async (context, next) => {
  // Prerendered pages have no cookies to read.
  if (!context.isPrerendered) {
    const resumed = await resumeSession(context.cookies);
    context.locals.user = resumed?.user ?? null;
    context.locals.session = resumed?.session ?? null;
  }
  const role = backOfficeRole(context.url.pathname);
  if (role) {
    const denied = guard(context, role);
    // People signed in without the role get a real page (status 403) rather than a line of text.
    if (denied?.status === 403) return context.rewrite("/accesso-negato");
    if (denied) return denied;
  }
  return next();
});

/** Refuses cross-site form posts, except on the one-click unsubscribe URL (see CROSS_SITE_FORM_PATHS). */
const originCheck = defineMiddleware((context, next) => {
  if (isForbiddenCrossSitePost(context.request, context.url)) {
    return new Response("Invio rifiutato: il modulo non è stato inviato da una pagina di questo sito. Apri la pagina del modulo sul portale e invialo di nuovo.", {
      status: 403,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });
  }
  return next();
});

export const onRequest = sequence(requestContext, originCheck, session);
