/** Zod schemas of the catalog seed files; the back office validates with the same ones. */
import { z } from "zod";
import { AGGREGATOR_KINDS, CONVENTION_STATUSES, INITIATIVE_STAGES, INSTRUMENT_TYPES } from "@db/schema";
import { httpUrlRule, slugRule } from "@/lib/field-rules";
import { cpvEntry } from "./cpv/vocabulary";
import { NATIONAL_REGION, TERRITORIES } from "./labels";

export const slug = slugRule();

export const ToolSeed = z.object({
  id: slug,
  name: z.string().min(2),
  kind: z.string().min(2),
  url: httpUrlRule().optional(),
  description: z.string().default(""),
  example: z.boolean().default(false),
  links: z.array(z.object({ to: slug, description: z.string().min(5) })).default([]),
});

export const CpvCode = z
  .string()
  .regex(/^\d{8}-\d$/, "deve essere un codice CPV come 45233141-9")
  .refine((code) => cpvEntry(code) !== undefined, {
    // Only when the shape is right: a wrong check digit is the usual mistake.
    message: "non è un codice del vocabolario CPV 2008 (controlla anche la cifra dopo il trattino)",
    when: (payload) => typeof payload.value === "string" && /^\d{8}-\d$/.test(payload.value),
  });

export const CategorySeed = z.object({
  id: slug,
  name: z.string().min(2),
  description: z.string().default(""),
  cpv: z.array(z.object({ code: CpvCode, label: z.string().min(2) })).min(1, "serve almeno un codice CPV"),
});

export const AggregatorSeed = z.object({
  id: slug,
  name: z.string().min(2),
  shortName: z.string().min(2),
  kind: z.enum(AGGREGATOR_KINDS, { message: `deve essere uno tra: ${AGGREGATOR_KINDS.join(", ")}` }),
  region: z.enum(TERRITORIES as [string, ...string[]], { message: `deve essere «${NATIONAL_REGION}» o una regione italiana` }),
  territory: z.string().min(2),
  website: httpUrlRule().optional(),
  platform: slug.optional(),
  email: z.email().optional(),
  phone: z.string().optional(),
  address: z.string().optional(),
  description: z.string().default(""),
  example: z.boolean().default(false),
});

/** ISO calendar date (YYYY-MM-DD). */
export const IsoDate = z.iso.date({ message: "deve essere una data nel formato AAAA-MM-GG" });

/** An amount in euro as written in files and forms (stored in cents). */
export const Euro = z
  .number({ message: "deve essere un importo in euro" })
  .nonnegative("non può essere negativo")
  .max(1e12, "è troppo grande");

export const LotSeed = z.object({
  number: z.number().int().min(1, "il numero del lotto parte da 1"),
  name: z.string().min(2, "serve il nome del lotto"),
  region: z.enum(TERRITORIES as [string, ...string[]], { message: `deve essere «${NATIONAL_REGION}» o una regione italiana` }),
  territory: z.string().default(""),
  supplier: z.string().min(2).optional(),
  ceiling: Euro.optional(),
  cig: z.string().regex(/^[0-9A-Z]{10}$/, "il CIG è formato da 10 caratteri (cifre e lettere maiuscole)").optional(),
  used: Euro.optional(),
  /** The lot's own status when it differs from the convention's (a lot can run out before the others). */
  status: z.enum(CONVENTION_STATUSES, { message: `deve essere uno tra: ${CONVENTION_STATUSES.join(", ")}` }).optional(),
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
});

export const ConventionSeed = z
  .object({
    slug,
    aggregator: slug,
    category: slug,
    instrument: z.enum(INSTRUMENT_TYPES, { message: `deve essere uno tra: ${INSTRUMENT_TYPES.join(", ")}` }),
    title: z.string().min(5, "il titolo è troppo corto").max(300),
    summary: z.string().max(1000).default(""),
    description: z.string().max(20_000).default(""),
    cig: z.string().regex(/^[0-9A-Z]{10}$/, "il CIG è formato da 10 caratteri (cifre e lettere maiuscole)").optional(),
    status: z.enum(CONVENTION_STATUSES, { message: `deve essere uno tra: ${CONVENTION_STATUSES.join(", ")}` }),
    publishedOn: IsoDate.optional(),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    ceiling: Euro.optional(),
    used: Euro.optional(),
    orderingUrl: httpUrlRule().optional(),
    example: z.boolean().default(false),
    lots: z.array(LotSeed).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.startDate && c.endDate && c.endDate < c.startDate) {
      ctx.addIssue({ code: "custom", path: ["endDate"], message: "la fine non può precedere l'inizio" });
    }
    if (c.used !== undefined && c.ceiling === undefined) {
      ctx.addIssue({ code: "custom", path: ["ceiling"], message: "indica il massimale se indichi l'importo utilizzato" });
    }
    if (c.used !== undefined && c.ceiling !== undefined && c.used > c.ceiling) {
      ctx.addIssue({ code: "custom", path: ["used"], message: "l'importo utilizzato supera il massimale" });
    }
    const numbers = new Set<number>();
    for (const [i, lot] of c.lots.entries()) {
      if (numbers.has(lot.number)) ctx.addIssue({ code: "custom", path: ["lots", i, "number"], message: `il lotto ${lot.number} è ripetuto` });
      numbers.add(lot.number);
      if (lot.startDate && lot.endDate && lot.endDate < lot.startDate) {
        ctx.addIssue({ code: "custom", path: ["lots", i, "endDate"], message: "la fine del lotto non può precedere l'inizio" });
      }
      if (lot.used !== undefined && lot.ceiling === undefined) {
        ctx.addIssue({ code: "custom", path: ["lots", i, "ceiling"], message: "indica il massimale del lotto se indichi l'importo utilizzato" });
      }
      if (lot.used !== undefined && lot.ceiling !== undefined && lot.used > lot.ceiling) {
        ctx.addIssue({ code: "custom", path: ["lots", i, "used"], message: "l'importo utilizzato supera il massimale del lotto" });
      }
    }
  });

export const InitiativeSeed = z
  .object({
    slug,
    title: z.string().min(5, "il titolo è troppo corto").max(300),
    summary: z.string().max(1000).default(""),
    description: z.string().max(20_000).default(""),
    category: slug.optional(),
    stage: z.enum(INITIATIVE_STAGES, { message: `deve essere uno tra: ${INITIATIVE_STAGES.join(", ")}` }),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    partners: z.array(slug).min(2, "un'iniziativa congiunta ha almeno due soggetti aggregatori"),
    example: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    if (c.startDate && c.endDate && c.endDate < c.startDate) {
      ctx.addIssue({ code: "custom", path: ["endDate"], message: "la fine non può precedere l'inizio" });
    }
    if (new Set(c.partners).size !== c.partners.length) {
      ctx.addIssue({ code: "custom", path: ["partners"], message: "un soggetto aggregatore è ripetuto" });
    }
  });

export const PlanItemSeed = z.object({
  title: z.string().min(3, "il titolo è troppo corto").max(300),
  category: slug.optional(),
  instrument: z.enum(INSTRUMENT_TYPES, { message: `deve essere uno tra: ${INSTRUMENT_TYPES.join(", ")}` }).optional(),
  period: z
    .string()
    .regex(/^\d{4}(?:-(?:T[1-4]|S[12]))?$/, "deve essere un anno, un trimestre o un semestre, ad esempio 2026-T2 o 2026-S1")
    .optional(),
  estimatedValue: Euro.optional(),
  convention: slug.optional(),
});

export const PlanSeed = z
  .object({
    aggregator: slug,
    year: z.number().int().min(2000, "anno non valido").max(2100, "anno non valido"),
    notes: z.string().max(5000).default(""),
    example: z.boolean().default(false),
    items: z.array(PlanItemSeed).default([]),
  })
  .superRefine((p, ctx) => {
    const titles = new Set<string>();
    for (const [i, item] of p.items.entries()) {
      if (titles.has(item.title)) ctx.addIssue({ code: "custom", path: ["items", i, "title"], message: "voce ripetuta nel piano" });
      titles.add(item.title);
    }
  });

export type ConventionInput = z.infer<typeof ConventionSeed>;
export type InitiativeInput = z.infer<typeof InitiativeSeed>;
export type PlanInput = z.infer<typeof PlanSeed>;
export type AggregatorInput = z.infer<typeof AggregatorSeed>;
export type CategoryInput = z.infer<typeof CategorySeed>;
