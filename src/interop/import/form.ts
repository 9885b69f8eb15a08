/** The back-office upload form (/gestione/catalogo/importa): the format, the file and the options, queued as a job. */
import { z } from "zod";
import { IMPORT_FORMATS } from "@db/schema";
import type { FormSpec } from "@/lib/forms";
import { Refusal } from "@/lib/refusal";
import { queueImport } from "./jobs";

const checkbox = z.preprocess((v) => v === "1" || v === "on", z.boolean());

export const ImportFormSchema = z.object({
  format: z.enum(IMPORT_FORMATS, { message: "Scegli il formato del file." }),
  dryRun: checkbox,
  partial: checkbox,
  lenient: checkbox,
});

export const IMPORT_FORM_LABELS: Record<string, string> = {
  format: "Formato",
  file: "File da importare",
  dryRun: "Solo prova",
  partial: "Importa le righe valide",
  lenient: "Modalità tollerante (OCDS)",
  _form: "Modulo",
};

export function importForm(userId: string): FormSpec<typeof ImportFormSchema, number> {
  return {
    schema: ImportFormSchema,
    once: true,
    async action(data, form) {
      const file = form.get("file");
      if (!(file instanceof File) || (file.size === 0 && file.name === "")) throw new Refusal("Scegli il file da importare.", "file");
      if (data.lenient && data.format !== "ocds") throw new Refusal("La modalità tollerante vale solo per i pacchetti OCDS.", "lenient");
      return queueImport({
        format: data.format,
        fileName: file.name,
        content: new Uint8Array(await file.arrayBuffer()),
        dryRun: data.dryRun,
        partial: data.partial,
        lenient: data.lenient,
        requestedBy: userId,
      });
    },
    done: (id) => `/gestione/catalogo/importa/${id}`,
  };
}
