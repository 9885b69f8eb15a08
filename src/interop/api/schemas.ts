/**
 * The zod schemas of the read API: the query parameters each operation
 * validates, and the shapes it returns. The OpenAPI document is generated
 * from these very objects (src/interop/api/openapi.ts), so it cannot drift.
 */
import { z } from "zod";
import { AGGREGATOR_KINDS, CONVENTION_STATUSES, INITIATIVE_STAGES, INSTRUMENT_TYPES, PRESS_KINDS } from "@db/schema";
import { EXPIRING_DAYS, MAX_QUERY_LENGTH } from "@/catalog";
import { INSTRUMENT_SLUGS, NATIONAL_REGION, REGIONS, STATUS_SLUGS } from "@/catalog/labels";

/** Largest page; the default is DEFAULT_LIMIT. */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;

const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/).max(80);

const paging = {
  cursore: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/)
    .optional()
    .describe("Il valore `next` della pagina precedente; assente per la prima pagina. / The `next` value of the previous page; absent for the first page."),
  limite: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .describe(`Elementi per pagina, da 1 a ${MAX_LIMIT}. / Items per page, 1 to ${MAX_LIMIT}.`),
};

/** The catalog's filters, with the values the catalog page accepts (src/catalog/params.ts reads them). */
export const ConventionsQuery = z
  .object({
    q: z.string().min(1).max(MAX_QUERY_LENGTH).optional().describe("Testo cercato nel titolo, nella sintesi, nel soggetto e nei lotti. / Full-text search."),
    categoria: slug.optional().describe("Identificativo della categoria (vedi /api/v1/categorie). / Category id."),
    cpv: z
      .string()
      .regex(/^\d{2,8}(?:-\d)?$/)
      .optional()
      .describe("Codice CPV o sue cifre iniziali, ad esempio 909 o 90919200-4. / CPV code or its leading digits."),
    tipo: z.enum(Object.values(INSTRUMENT_SLUGS) as [string, ...string[]]).optional().describe("Tipo di strumento. / Instrument type."),
    soggetto: slug.optional().describe("Identificativo del soggetto aggregatore. / Aggregator id."),
    regione: z
      .enum([NATIONAL_REGION, ...REGIONS] as [string, ...string[]])
      .optional()
      .describe("Regione in cui lo strumento è disponibile (include quelli nazionali). / Region where it is available (national ones included)."),
    stato: z.enum(Object.values(STATUS_SLUGS) as [string, ...string[]]).optional().describe("Stato. / Status."),
    scadenza: z
      .literal(String(EXPIRING_DAYS))
      .optional()
      .describe(`Solo gli strumenti attivi che scadono entro ${EXPIRING_DAYS} giorni. / Only active ones ending within ${EXPIRING_DAYS} days.`),
    ...paging,
  })
  .strict();

export const PagingQuery = z.object(paging).strict();
export const NoQuery = z.object({}).strict();

export const PlansQuery = z
  .object({
    anno: z.coerce.number().int().min(2000).max(2100).optional().describe("Anno del piano. / Plan year."),
    soggetto: slug.optional().describe("Identificativo del soggetto aggregatore. / Aggregator id."),
    ...paging,
  })
  .strict();

export const SlugPath = z.object({ slug: slug.describe("Identificativo nell'indirizzo. / Identifier in the URL.") });
export const IdPath = z.object({ id: slug.describe("Identificativo del soggetto aggregatore. / Aggregator id.") });

const date = z.iso.date().nullable();
const ref = z.object({ id: z.string(), name: z.string() });

export const Lot = z.object({
  number: z.int(),
  name: z.string(),
  region: z.string(),
  territory: z.string(),
  supplier: z.string().nullable(),
  ceilingEuro: z.number().nullable(),
  cig: z.string().nullable(),
  usedEuro: z.number().nullable(),
  status: z.enum(CONVENTION_STATUSES).describe("Stato del lotto oggi: il suo, o quello della convenzione; esaurito o scaduto quando lo è. / The lot's status today."),
  startDate: date,
  endDate: date,
  url: z.url().describe("Pagina del lotto. / The lot's page."),
});

export const Convention = z.object({
  id: z.int(),
  slug: z.string(),
  url: z.url(),
  ocid: z.string().describe("Identificativo del processo nei dati OCDS (/dati/ocds). / OCDS ocid."),
  title: z.string(),
  summary: z.string(),
  instrumentType: z.enum(INSTRUMENT_TYPES),
  status: z.enum(CONVENTION_STATUSES),
  cig: z.string().nullable(),
  publishedOn: date,
  startDate: date,
  endDate: date,
  ceilingEuro: z.number().nullable(),
  usedEuro: z.number().nullable(),
  orderingUrl: z.string().nullable(),
  isExample: z.boolean(),
  updatedAt: z.iso.datetime(),
  aggregator: ref,
  category: ref,
  regions: z.array(z.string()),
  lots: z.array(Lot),
});

export const Aggregator = z.object({
  id: z.string(),
  url: z.url(),
  name: z.string(),
  shortName: z.string(),
  kind: z.enum(AGGREGATOR_KINDS),
  region: z.string(),
  territory: z.string(),
  website: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  description: z.string(),
  isExample: z.boolean(),
  conventionCount: z.int(),
});

export const Category = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  cpv: z.array(z.object({ code: z.string(), label: z.string() })),
});

export const Plan = z.object({
  id: z.int(),
  year: z.int(),
  url: z.url(),
  notes: z.string(),
  isExample: z.boolean(),
  aggregator: ref,
  items: z.array(
    z.object({
      id: z.int(),
      ocid: z.string(),
      title: z.string(),
      instrumentType: z.enum(INSTRUMENT_TYPES).nullable(),
      expectedPeriod: z.string().nullable(),
      estimatedEuro: z.number().nullable(),
      category: ref.nullable(),
      convention: z.object({ slug: z.string(), title: z.string() }).nullable(),
      source: z
        .string()
        .nullable()
        .describe("Per le voci riportate da un'altra piattaforma (federazione), chi le pubblica; `ocid` è allora quello della fonte. Null per le voci del portale. / For items followed from another platform, their publisher; `ocid` is then the source's."),
    }),
  ),
});

export const Initiative = z.object({
  id: z.int(),
  slug: z.string(),
  url: z.url(),
  ocid: z.string(),
  title: z.string(),
  summary: z.string(),
  stage: z.enum(INITIATIVE_STAGES),
  startDate: date,
  endDate: date,
  isExample: z.boolean(),
  category: ref.nullable(),
  partners: z.array(ref),
});

export const PressRelease = z.object({
  id: z.int(),
  slug: z.string(),
  url: z.url(),
  kind: z.enum(PRESS_KINDS),
  title: z.string(),
  summary: z.string(),
  publishedAt: z.iso.datetime().nullable(),
  isExample: z.boolean(),
});

export const Course = z.object({
  slug: z.string(),
  url: z.url(),
  title: z.string(),
  summary: z.string(),
  audience: z.string(),
  hours: z.number(),
  objectives: z.array(z.string()),
  prerequisites: z.array(z.string()),
  modules: z.array(
    z.object({
      slug: z.string(),
      title: z.string(),
      lessons: z.array(z.object({ slug: z.string(), title: z.string(), description: z.string(), minutes: z.number() })),
    }),
  ),
});

/** A page of a collection: `next` is the cursor of the following page, null on the last one. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    next: z.string().nullable().describe("Cursore della pagina seguente (parametro cursore), null sull'ultima. / Cursor of the next page."),
    nextUrl: z.url().nullable(),
  });
}

/** RFC 9457 problem details, as every error is returned. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ parameter: z.string(), message: z.string() })).optional(),
});
