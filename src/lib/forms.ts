/**
 * Form handling shared by every page: read the posted fields, validate them
 * with zod, and hand back either the data or per-field Italian messages that
 * <ErrorSummary> and <Field> display.
 */
import type { z } from "zod";

export type FieldErrors = Record<string, string>;

export type FormResult<T> =
  | { ok: true; data: T; values: Record<string, string> }
  | { ok: false; errors: FieldErrors; values: Record<string, string> };

/** Largest accepted value of one text field; longer input is refused, not truncated. */
export const MAX_FIELD_LENGTH = 20_000;

/** Reads a form body; a body that is not a form yields an empty object rather than a 500. */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch {
    return new FormData();
  }
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

export function validateForm<S extends z.ZodType>(schema: S, form: FormData, arrayFields: string[] = []): FormResult<z.infer<S>> {
  const raw = formToObject(form, arrayFields);
  const values = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v ?? "")]));
  const tooLong = Object.entries(values).find(([, v]) => v.length > MAX_FIELD_LENGTH);
  if (tooLong) {
    return { ok: false, errors: { [tooLong[0]]: `Il testo è troppo lungo (massimo ${MAX_FIELD_LENGTH} caratteri).` }, values: {} };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data, values };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? "_form");
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values };
}
