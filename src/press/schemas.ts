/** The back-office form of a press release or news item, and its Italian messages. */
import { z } from "zod";
import { PRESS_KINDS } from "@db/schema";
import { fromRomeLocal } from "@/lib/dates";

export const PRESS_KIND_LABELS: Record<(typeof PRESS_KINDS)[number], string> = {
  press_release: "Comunicato stampa",
  news: "Notizia",
};

export const PRESS_STATUS_LABELS = {
  draft: "Bozza",
  scheduled: "Programmato",
  published: "Pubblicato",
  unpublished: "Ritirato",
} as const;

/** Checkbox groups and repeated hidden fields. */
export const PRESS_ARRAY_FIELDS = ["aggregators", "categories", "attachmentIds", "removeAttachments"];

const idList = (label: string) => z.array(z.string().max(80, `${label}: valore non valido.`)).max(50, `${label}: troppi valori.`).default([]);

export const PressFormSchema = z
  .object({
    kind: z.enum(PRESS_KINDS, { message: "Scegli il tipo: comunicato stampa o notizia." }),
    title: z.string({ message: "Scrivi il titolo." }).trim().min(3, "Il titolo deve avere almeno 3 caratteri.").max(200, "Il titolo può avere al massimo 200 caratteri."),
    summary: z.string().trim().max(500, "Il sommario può avere al massimo 500 caratteri.").default(""),
    body: z.string({ message: "Scrivi il testo." }).trim().min(1, "Scrivi il testo.").max(20_000, "Il testo può avere al massimo 20.000 caratteri."),
    contactBlock: z.string().trim().max(2000, "Il blocco contatti può avere al massimo 2.000 caratteri.").default(""),
    aggregators: idList("Soggetti aggregatori"),
    categories: idList("Categorie"),
    status: z.enum(["draft", "scheduled", "published"], { message: "Scegli lo stato: bozza, programmato o pubblicato." }),
    publishAt: z.string().trim().max(40).default(""),
    attachmentIds: idList("Allegati"),
    removeAttachments: idList("Allegati da rimuovere"),
    azione: z.enum(["salva", "anteprima"], { message: "Azione non valida." }).default("salva"),
  })
  .superRefine((value, ctx) => {
    if (value.status !== "scheduled") return;
    const when = fromRomeLocal(value.publishAt);
    if (!when) {
      ctx.addIssue({ code: "custom", path: ["publishAt"], message: "Indica data e ora di pubblicazione, ad esempio 2026-12-01 09:30." });
    } else if (when.getTime() <= Date.now()) {
      ctx.addIssue({ code: "custom", path: ["publishAt"], message: "La data di pubblicazione programmata deve essere nel futuro." });
    }
  });
export type PressFormInput = z.infer<typeof PressFormSchema>;

/** Query string of the public list: ?anno=2017&tag=categoria:pulizia&pagina=2. */
export const PressListQuery = z.object({
  anno: z.coerce.number().int().min(1990).max(2200).optional().catch(undefined),
  tag: z
    .string()
    .regex(/^(aggregatore|categoria):[a-z0-9-]{1,80}$/)
    .optional()
    .catch(undefined),
  pagina: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
