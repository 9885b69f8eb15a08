/** Form schemas of the subscription pages; the domain checks the values against the catalog. */
import { z } from "zod";
import { emailRule, idRule } from "@/lib/field-rules";

const choices = z.array(z.string().trim().max(120)).max(200);
const ids = z.array(idRule()).max(200);

const interests = {
  kinds: choices,
  categories: choices,
  aggregators: choices,
  regions: choices,
  frequency: z.enum(["immediate", "weekly"], { message: "Scegli ogni quanto ricevere gli avvisi." }),
};

/** Checkbox groups: formToObject returns them as arrays. */
export const INTEREST_FIELDS = ["kinds", "categories", "aggregators", "regions"];

export const SubscribeSchema = z.object({
  email: emailRule({
    missing: "Inserisci un indirizzo email valido, ad esempio nome@comune.it.",
    invalid: "Inserisci un indirizzo email valido, ad esempio nome@comune.it.",
    tooLong: "L'indirizzo è troppo lungo.",
  }),
  ...interests,
  consent: z.literal("si", { message: "Per iscriverti devi dare il consenso a ricevere gli avvisi." }),
  ricerca: z.string().max(2000).optional(),
  convenzione: idRule("La convenzione indicata non è valida.").optional(),
  lotto: idRule("Il lotto indicato non è valido.").optional(),
});

export const PreferencesSchema = z.object({
  ...interests,
  removeSearches: ids,
  removeWatches: ids,
  ricerca: z.string().max(2000).optional(),
  convenzione: idRule("La convenzione indicata non è valida.").optional(),
  lotto: idRule("Il lotto indicato non è valido.").optional(),
});

export const PREFERENCE_ARRAY_FIELDS = [...INTEREST_FIELDS, "removeSearches", "removeWatches"];

/** `?convenzione=` on the subscribe and preference pages. */
export const ConventionParam = idRule();

/** `?lotto=` beside `?convenzione=`: watch that lot only. */
export const LotParam = idRule().max(9999);

export const FIELD_LABELS = {
  email: "Indirizzo email",
  kinds: "Tipi di avviso",
  categories: "Categorie",
  aggregators: "Soggetti aggregatori",
  regions: "Regioni",
  frequency: "Frequenza",
  consent: "Consenso",
  ricerca: "Ricerca",
  convenzione: "Convenzione",
  lotto: "Lotto",
  removeSearches: "Ricerche salvate",
  removeWatches: "Convenzioni e lotti seguiti",
};
