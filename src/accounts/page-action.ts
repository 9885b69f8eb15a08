/**
 * What every account and back-office form does with a refusal: a Refusal
 * becomes a message on its field (422), a rate limit becomes a
 * message and a 429 with Retry-After. Anything else is a real fault.
 * Domain refusals (AccountError, PressError) extend Refusal.
 */
import type { AstroGlobal } from "astro";
import type { FieldErrors } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { RateLimitedError } from "./rate-limit";

/** Runs `action`; returns null on success or the field errors to show, having set the response status. */
export async function runFormAction(astro: Pick<AstroGlobal, "response">, action: () => Promise<unknown>): Promise<FieldErrors | null> {
  try {
    await action();
    return null;
  } catch (error) {
    if (error instanceof RateLimitedError) {
      astro.response.status = 429;
      astro.response.headers.set("Retry-After", String(Math.ceil(error.retryAfterSeconds)));
      return { _form: error.message };
    }
    if (error instanceof Refusal) {
      astro.response.status = 422;
      return { [error.field]: error.message };
    }
    throw error;
  }
}

/** The client address used for per-IP limits (the socket's peer; the server listens on its own). */
export function clientIp(astro: Pick<AstroGlobal, "clientAddress">): string {
  try {
    return astro.clientAddress || "sconosciuto";
  } catch {
    return "sconosciuto";
  }
}
