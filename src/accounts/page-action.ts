/**
 * What every account and back-office form does with a refusal: a Refusal
 * becomes a message on its field (422), a rate limit becomes a
 * message and a 429 with Retry-After. Anything else is a real fault.
 * Domain refusals (AccountError, PressError) extend Refusal.
 */
import type { AstroGlobal } from "astro";
import type { z } from "zod";
import { readForm, validateForm, type FieldErrors } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { RateLimitedError } from "./rate-limit";
import { clientAddressOf } from "@/lib/http";

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

/** The client address used for per-IP limits, IPv6 bucketed by /64 (see clientAddressOf in src/lib/http.ts). */
export function clientIp(astro: Pick<AstroGlobal, "clientAddress" | "request">): string {
  return clientAddressOf(astro);
}

export interface FormPost {
  /** True when the form was posted, valid and the action succeeded. */
  done: boolean;
  errors: FieldErrors;
  /** What was typed, to fill the form again (never password fields). */
  values: Record<string, string>;
}

/**
 * The whole life of a simple form on a POST: validate with `schema` (422 on
 * errors), run `action`, turn refusals into field errors. On GET it does
 * nothing. Fields named like passwords are never sent back.
 */
export async function handleFormPost<S extends z.ZodType>(
  astro: Pick<AstroGlobal, "request" | "response">,
  schema: S,
  action: (data: z.infer<S>) => Promise<unknown>,
): Promise<FormPost> {
  if (astro.request.method !== "POST") return { done: false, errors: {}, values: {} };
  const form = validateForm(schema, await readForm(astro.request));
  const values = Object.fromEntries(Object.entries(form.values).filter(([key]) => !/password/i.test(key)));
  if (!form.ok) {
    astro.response.status = 422;
    return { done: false, errors: form.errors, values };
  }
  const refused = await runFormAction(astro, () => action(form.data));
  return { done: refused === null, errors: refused ?? {}, values };
}
