/** The back-office upload of a SCORM package, on the form idiom (handleForm, multipart). */
import { z } from "zod";
import type { Actor } from "@/lib/audit";
import type { FormSpec } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { SLUG_PATTERN } from "@/lib/field-rules";
import { importScormPackage, type ScormImportResult } from "./import";
import { DEFAULT_ZIP_LIMITS } from "./zip";

const optionalText = (max: number, label: string) => z.string().trim().max(max, `${label}: massimo ${max} caratteri`).default("");

export const ScormUploadSchema = z.object({
  slug: z
    .string()
    .trim()
    .default("")
    .refine((v) => v === "" || (SLUG_PATTERN.test(v) && v.length <= 80), "L'indirizzo deve essere uno slug: lettere minuscole, cifre e trattini (al massimo 80 caratteri)."),
  title: optionalText(200, "Titolo"),
  hours: z.coerce
    .number({ message: "Indica le ore di formazione, un numero intero." })
    .int("Indica le ore di formazione, un numero intero.")
    .min(1, "Le ore devono essere almeno 1.")
    .max(200, "Le ore devono essere al massimo 200."),
  summary: optionalText(500, "Descrizione"),
  audience: optionalText(200, "Destinatari"),
  objectives: optionalText(2000, "Obiettivi"),
});

export function scormUploadForm(actor: Actor): FormSpec<typeof ScormUploadSchema, ScormImportResult> {
  return {
    schema: ScormUploadSchema,
    once: true,
    async action(data, form) {
      const file = form.get("pacchetto");
      if (!(file instanceof File) || file.size === 0) throw new Refusal("Scegli il file .zip del pacchetto SCORM.", "pacchetto");
      if (!/\.zip$/i.test(file.name)) throw new Refusal("Il pacchetto deve essere un file .zip.", "pacchetto");
      if (file.size > DEFAULT_ZIP_LIMITS.maxArchiveBytes) throw new Refusal(`Il file supera ${Math.round(DEFAULT_ZIP_LIMITS.maxArchiveBytes / 1024 / 1024)} MB.`, "pacchetto");
      const objectives = data.objectives.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      return importScormPackage(Buffer.from(await file.arrayBuffer()), { ...data, objectives }, actor);
    },
    done: (result) => `/gestione/formazione/scorm?importato=${result.slug}`,
  };
}
