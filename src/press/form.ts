/**
 * One submission of the back-office editor: store the uploads, then either
 * save (and maybe publish) or hand back what the page shows again (errors,
 * preview, uploads kept so far).
 */
import type { Actor } from "@/lib/audit";
import { readForm, validateForm, type FieldErrors, type FormResult } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { renderMarkdown } from "./markdown";
import { savePressRelease, unpublish, type AttachmentRow } from "./releases";
import { PRESS_ARRAY_FIELDS, PressFormSchema, type PressFormInput } from "./schemas";
import { pendingUploads, storeUploads } from "./uploads";

export type PressFormOutcome =
  | { saved: true; id: number; slug: string }
  | { saved: false; errors: FieldErrors; values: Record<string, string>; checked: { aggregators: string[]; categories: string[] }; previewHtml?: string; pending: AttachmentRow[] };

function list(values: Record<string, string>, key: string): string[] {
  return values[key] ? values[key]!.split(",").filter(Boolean) : [];
}

/** Reads a posted editor form: the validated fields, the uploaded files and the button pressed. */
export async function readPressForm(request: Request): Promise<{ form: FormResult<PressFormInput>; files: File[]; button: string | null }> {
  const data = await readForm(request);
  const files = data.getAll("files").filter((f): f is File => f instanceof File);
  const button = data.get("azione");
  return { form: validateForm(PressFormSchema, data, PRESS_ARRAY_FIELDS), files, button: typeof button === "string" ? button : null };
}

/** Handles the editor's form for a new item (id undefined) or an existing one. */
export async function submitPressForm(
  id: number | undefined,
  form: FormResult<PressFormInput>,
  files: File[],
  actor: Actor,
): Promise<PressFormOutcome> {
  const uploads = await storeUploads(files);
  const carried = await pendingUploads(list(form.values, "attachmentIds"));
  const pending = [...carried, ...uploads.stored];
  const errors: FieldErrors = form.ok ? {} : { ...form.errors };
  if (uploads.error) errors.files = uploads.error;
  const checked = { aggregators: list(form.values, "aggregators"), categories: list(form.values, "categories") };
  const back = (extra: Partial<Extract<PressFormOutcome, { saved: false }>> = {}): PressFormOutcome => ({
    saved: false,
    errors,
    values: form.values,
    checked,
    pending,
    ...extra,
  });
  // A preview is shown even when other fields still need fixing: that is often why the editor asked for it.
  if (form.values.azione === "anteprima") return back({ previewHtml: renderMarkdown(form.values.body ?? "") });
  if (!form.ok || uploads.error) return back();
  try {
    const saved = await savePressRelease(id, { ...form.data, attachmentIds: pending.map((p) => p.id) }, actor);
    return { saved: true, ...saved };
  } catch (error) {
    if (error instanceof Refusal) {
      errors[error.field] = error.message;
      return back();
    }
    throw error;
  }
}

/** The editor's "Ritira" button. */
export async function withdrawPressRelease(id: number, actor: Actor): Promise<FieldErrors | null> {
  try {
    await unpublish(id, actor);
    return null;
  } catch (error) {
    if (error instanceof Refusal) return { _form: error.message };
    throw error;
  }
}
