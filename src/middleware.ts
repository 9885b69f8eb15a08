import { randomUUID } from "node:crypto";
import { defineMiddleware, sequence } from "astro:middleware";
import { applySecurityHeaders } from "@/lib/http";
import { log, errorMessage } from "@/lib/log";

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

export const onRequest = sequence(requestContext);
