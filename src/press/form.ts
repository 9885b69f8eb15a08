/**
 * The back-office editor of press releases and news on the form idiom
 * (handleForm in src/lib/forms.ts): uploads are stored on every post and
 * carried along while the form is refused, the «Anteprima» button shows
 * the rendered text again, and «Ritira» withdraws a published item.
 */
import { z } from "zod";
import type { Actor } from "@/lib/audit";
import type { FieldErrors, FormSpec } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { renderMarkdown } from "./markdown";
import type { AttachmentRow } from "./read";
import { savePressRelease, unpublish } from "./write";
import { PRESS_ARRAY_FIELDS, PressFormSchema } from "./schemas";
import { pendingUploads, storeUploads } from "./uploads";

/** What a refused or previewed post shows besides the fields. */
export interface PressFormExtras {
  /** Uploads kept from this and earlier submissions, linked when the item is saved. */
  pending: AttachmentRow[];
  previewHtml?: string;
}

const strings = (form: FormData, name: string) => form.getAll(name).filter((v): v is string => typeof v === "string");

/** The editor form for a new item (`id` undefined: a create form with a one-time token) or an existing one. */
export function pressEditorForm(id: number | undefined, actor: Actor): { spec: FormSpec<typeof PressFormSchema, { id: number }>; extras: PressFormExtras } {
  const extras: PressFormExtras = { pending: [] };
  const spec: FormSpec<typeof PressFormSchema, { id: number }> = {
    schema: PressFormSchema,
    arrayFields: PRESS_ARRAY_FIELDS,
    once: id === undefined,
    async prepare(form) {
      const uploads = await storeUploads(form.getAll("files").filter((f): f is File => f instanceof File));
      extras.pending = [...(await pendingUploads(strings(form, "attachmentIds"))), ...uploads.stored];
      const errors: FieldErrors = uploads.error ? { files: uploads.error } : {};
      // A preview is shown even when other fields still need fixing: that is often why the editor asked for it.
      if (form.get("azione") !== "anteprima") return { errors };
      extras.previewHtml = renderMarkdown(String(form.get("body") ?? ""));
      return { errors, show: true };
    },
    action: (data) => savePressRelease(id, { ...data, attachmentIds: extras.pending.map((p) => p.id) }, actor),
    done: (saved) => `/gestione/comunicati/${saved.id}?salvato`,
  };
  return { spec, extras };
}

/** The «Ritira dalla pubblicazione» button of the editor (posted to `?ritira`); a refusal is a conflict (409). */
export function withdrawForm(id: number, actor: Actor): FormSpec<z.ZodObject, void> {
  return {
    schema: z.object({}),
    async action() {
      try {
        await unpublish(id, actor);
      } catch (error) {
        if (error instanceof Refusal) throw new Refusal(error.message, error.field, { status: 409 });
        throw error;
      }
    },
    done: () => `/gestione/comunicati/${id}?ritirato`,
  };
}
