import { randomUUID } from "node:crypto";
import { defineMiddleware, sequence } from "astro:middleware";
import { applySecurityHeaders, isForbiddenCrossSitePost } from "@/lib/http";
import { log, errorMessage } from "@/lib/log";
import { backOfficeRole, guard, resumeSession } from "@/accounts";

/** Gives every request an id, logs it as one JSON line and adds security headers. */
const requestContext = defineMiddleware(async (context, next) => {
  const started = performance.now();
  const requestId = context.request.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
  context.locals.requestId = requestId;
  context.locals.user ??= null;
  context.locals.session ??= null;
  let response: Response;
  try {
    response = await next();
  } catch (error) {
    log("error", "request.failed", { requestId, method: context.request.method, path: context.url.pathname, error: errorMessage(error) });
    throw error;
  }
  // Responses from fetch() or static files can be immutable; copy before editing headers.
  try {
    applySecurityHeaders(response.headers);
    response.headers.set("X-Request-Id", requestId);
  } catch {
    response = new Response(response.body, response);
    applySecurityHeaders(response.headers);
    response.headers.set("X-Request-Id", requestId);
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
    if (denied) return denied;
  }
  return next();
});

/** Refuses cross-site form posts, except on the one-click unsubscribe URL (see CROSS_SITE_FORM_PATHS). */
const originCheck = defineMiddleware((context, next) => {
  if (isForbiddenCrossSitePost(context.request, context.url)) {
    return new Response(`Cross-site ${context.request.method} form submissions are forbidden`, { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return next();
});

export const onRequest = sequence(requestContext, originCheck, session);
