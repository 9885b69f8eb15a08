/**
 * The one form idiom of the site: `handleForm()`, called from a page's
 * frontmatter. Every form posts to its own page (works without JavaScript):
 *
 *   const form = await handleForm(Astro, { schema, action, done });
 *   if (form instanceof Response) return form;   // 303 after a success
 *   // render form.values / form.errors / form.token; Astro.url's ?esito=… says what happened
 *
 * On a POST it reads the body (urlencoded or multipart), cleans control
 * characters from every text (src/lib/field-rules.ts), refuses over-long
 * values field by field while keeping everything else that was typed,
 * validates with zod, and runs `action` with the parsed data. A `Refusal`
 * thrown by the domain becomes a message on its field (status 422, or the
 * refusal's own status; 429 with Retry-After for rate limits). Password
 * fields are never sent back. On success it answers 303 See Other to the
 * result page `done(result)` (Post/Redirect/Get: reloading the result never
 * repeats the action). Create forms pass `once: true`: the page renders the
 * one-time token `form.token` in a hidden field (<FormToken>), and a second
 * post with the same token is sent to the first post's result instead of
 * creating again. Pages that do not post answer GET with an empty state.
 */
import { randomBytes } from "node:crypto";
import type { AstroGlobal } from "astro";
import { eq, lt } from "drizzle-orm";
import { z } from "zod";
import { formSubmissions } from "@db/schema";
import { getDb } from "./db";
import { cleanText } from "./field-rules";
import { Refusal } from "./refusal";

export type FieldErrors = Record<string, string>;
export type FormValues = Record<string, string>;

export type FormResult<T> =
  | { ok: true; data: T; values: FormValues }
  | { ok: false; errors: FieldErrors; values: FormValues };

/** Largest accepted value of one text field; longer input is refused, not truncated. */
export const MAX_FIELD_LENGTH = 20_000;

/** The schema of a form that is only a button (sign out, confirm, retry…). */
export const NoFields = z.object({});

/** Name of the hidden field carrying a create form's one-time token. */
export const TOKEN_FIELD = "_modulo";

/** How long a one-time token is remembered; a form left open longer simply gets a fresh one. */
const TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const tooLongMessage = `Il testo è troppo lungo (massimo ${MAX_FIELD_LENGTH} caratteri).`;

/** Reads a form body (urlencoded or multipart); a body that is not a form yields an empty form rather than a 500. Texts are cleaned. */
export async function readForm(request: Request): Promise<FormData> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    return new FormData();
  }
  const cleaned = new FormData();
  for (const [key, value] of form.entries()) cleaned.append(cleanText(key, false), typeof value === "string" ? cleanText(value) : value);
  return cleaned;
}

/** Multi-valued fields (checkbox groups) come back as arrays; everything else as strings. */
export function formToObject(form: FormData, arrayFields: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    const all = form.getAll(key).filter((v): v is string => typeof v === "string");
    out[key] = arrayFields.includes(key) ? all : all[0];
  }
  for (const key of arrayFields) out[key] ??= [];
  return out;
}

/** Every posted text field as one string (multi-valued fields joined with commas), to fill the form again. */
export function formValues(form: FormData): FormValues {
  const values: FormValues = {};
  for (const key of new Set(form.keys())) {
    values[key] = form
      .getAll(key)
      .filter((v): v is string => typeof v === "string")
      .join(",");
  }
  return values;
}

/** The field an issue is shown on by default: the first step of its path (a dotted path such as lots.2.name is shown on "lots"). */
const topField = (issue: z.core.$ZodIssue) => String(issue.path[0] ?? "_form");

/** The first message per field. */
export function issuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  message: (issue: z.core.$ZodIssue) => string = (i) => i.message,
  field: (issue: z.core.$ZodIssue) => string = topField,
): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) errors[field(issue)] ??= message(issue);
  return errors;
}

export interface ValidateOptions {
  arrayFields?: string[];
  /** Turns the posted fields into the schema's input (e.g. the catalog's codecs); default: the fields as posted. */
  decode?: (form: FormData) => unknown;
  /** Wording of a zod issue; default: its message. */
  message?: (issue: z.core.$ZodIssue, candidate: unknown) => string;
  /** The field an issue is shown on (e.g. one row's field, "lots.1.name"); default: the first step of its path. */
  field?: (issue: z.core.$ZodIssue) => string;
}

/**
 * Validates a posted form. A value longer than MAX_FIELD_LENGTH is refused on
 * its own field; the other fields are still validated and kept as typed.
 */
export function validateForm<S extends z.ZodType>(schema: S, form: FormData, options: ValidateOptions | string[] = {}): FormResult<z.infer<S>> {
  const { arrayFields = [], decode, message, field } = Array.isArray(options) ? { arrayFields: options } : options;
  const values = formValues(form);
  const tooLong = Object.keys(values).filter((key) => values[key]!.length > MAX_FIELD_LENGTH);
  const kept = new FormData();
  for (const [key, value] of form.entries()) if (!tooLong.includes(key)) kept.append(key, value);
  for (const key of tooLong) delete values[key];
  const candidate = decode ? decode(kept) : formToObject(kept, arrayFields);
  const result = schema.safeParse(candidate);
  const errors: FieldErrors = Object.fromEntries(tooLong.map((key) => [key, tooLongMessage]));
  if (result.success && tooLong.length === 0) return { ok: true, data: result.data, values };
  if (!result.success) Object.assign(errors, { ...issuesToErrors(result.error.issues, (issue) => (message ? message(issue, candidate) : issue.message), field), ...errors });
  return { ok: false, errors, values };
}

export interface FormSpec<S extends z.ZodType, R> extends ValidateOptions {
  schema: S;
  /** The domain action; throw a Refusal to refuse. Gets the posted form too (files, buttons). */
  action: (data: z.infer<S>, form: FormData) => Promise<R>;
  /** The result page, answered with 303 See Other. */
  done: (result: R) => string;
  /** A create form: protected by a one-time token against double submission. */
  once?: boolean;
  /**
   * Runs on every post before validation (e.g. keeping uploads): may add
   * field errors, and `show` asks to show the form again without running the
   * action (e.g. a preview button); `quiet` shows it without validating (e.g.
   * a button that adds an empty row: the half-filled form is not an error).
   */
  prepare?: (form: FormData) => Promise<{ errors?: FieldErrors; show?: boolean; quiet?: boolean }>;
}

export interface FormState {
  /** True on a POST that was refused (the form is shown again with `errors`). */
  posted: boolean;
  errors: FieldErrors;
  /** What was typed, to fill the form again (never password fields); empty on GET. */
  values: FormValues;
  /** The one-time token to render in the form (<FormToken>); empty unless `once`. */
  token: string;
  /** The posted form, for pages that show more of it again (ticked boxes, uploads). */
  form: FormData;
}

type PageContext = Pick<AstroGlobal, "request" | "response">;

/** Sets the status and headers of a refused form and returns its field errors. */
export function refusalErrors(astro: Pick<AstroGlobal, "response">, error: Refusal): FieldErrors {
  astro.response.status = error.status;
  if (error.retryAfterSeconds !== undefined) astro.response.headers.set("Retry-After", String(Math.ceil(error.retryAfterSeconds)));
  return { [error.field.split(".")[0]!]: error.message };
}

/** Runs `action`; a Refusal becomes field errors (status set on the response), anything else is a real fault. */
export async function refusalsAsErrors<R>(astro: Pick<AstroGlobal, "response">, action: () => Promise<R>): Promise<{ ok: true; result: R } | { ok: false; errors: FieldErrors }> {
  try {
    return { ok: true, result: await action() };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, errors: refusalErrors(astro, error) };
    throw error;
  }
}

const withoutPasswords = (values: FormValues): FormValues => Object.fromEntries(Object.entries(values).filter(([key]) => !/password/i.test(key)));

const newToken = () => randomBytes(18).toString("base64url");
const isToken = (value: unknown): value is string => typeof value === "string" && /^[\w-]{20,40}$/.test(value);

function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store" } });
}

/** See the module comment. */
export async function handleForm<S extends z.ZodType, R>(astro: PageContext, spec: FormSpec<S, R>): Promise<Response | FormState> {
  // A page carrying a one-time token is personal: never share it through a cache.
  if (spec.once) astro.response.headers.set("Cache-Control", "private, no-store");
  if (astro.request.method !== "POST") return { posted: false, errors: {}, values: {}, token: spec.once ? newToken() : "", form: new FormData() };
  const form = await readForm(astro.request);
  const posted = form.get(TOKEN_FIELD);
  const token = spec.once ? (isToken(posted) ? posted : newToken()) : "";
  const state = (errors: FieldErrors, values: FormValues): FormState => ({ posted: true, errors, values: withoutPasswords(values), token, form });
  const prepared = spec.prepare ? await spec.prepare(form) : {};
  if (prepared.show && prepared.quiet) {
    if (prepared.errors && Object.keys(prepared.errors).length > 0) astro.response.status = 422;
    return state(prepared.errors ?? {}, formValues(form));
  }
  const checked = validateForm(spec.schema, form, spec);
  const errors = { ...(checked.ok ? {} : checked.errors), ...prepared.errors };
  if (!checked.ok || prepared.show || Object.keys(errors).length > 0) {
    if (Object.keys(errors).length > 0) astro.response.status = 422;
    return state(errors, checked.values);
  }
  const claimed = spec.once && isToken(posted);
  if (claimed) {
    const earlier = await claimToken(posted);
    if (earlier !== undefined) {
      if (earlier) return seeOther(earlier);
      astro.response.status = 409;
      return state({ _form: "Il modulo è già stato inviato e la richiesta è ancora in corso: attendi qualche secondo e ricarica la pagina." }, checked.values);
    }
  }
  let outcome: Awaited<ReturnType<typeof refusalsAsErrors<R>>>;
  try {
    outcome = await refusalsAsErrors(astro, () => spec.action(checked.data, form));
  } catch (error) {
    if (claimed) await releaseToken(posted);
    throw error;
  }
  if (!outcome.ok) {
    if (claimed) await releaseToken(posted);
    return state(outcome.errors, checked.values);
  }
  const location = spec.done(outcome.result);
  if (claimed) {
    const db = await getDb();
    await db.update(formSubmissions).set({ location }).where(eq(formSubmissions.token, posted));
  }
  return seeOther(location);
}

/** Claims `token`; returns undefined when this post claimed it, else the earlier post's result page (null while it runs). */
async function claimToken(token: string): Promise<string | null | undefined> {
  const db = await getDb();
  await db.delete(formSubmissions).where(lt(formSubmissions.createdAt, new Date(Date.now() - TOKEN_TTL_MS)));
  const inserted = await db.insert(formSubmissions).values({ token }).onConflictDoNothing().returning({ token: formSubmissions.token });
  if (inserted.length) return undefined;
  const [row] = await db.select({ location: formSubmissions.location }).from(formSubmissions).where(eq(formSubmissions.token, token));
  return row ? row.location : undefined;
}

/** A refused or failed post gives its token back, so the corrected form can be sent again. */
async function releaseToken(token: string): Promise<void> {
  const db = await getDb();
  await db.delete(formSubmissions).where(eq(formSubmissions.token, token));
}
