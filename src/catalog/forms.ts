/**
 * Back-office forms of the catalog. Each form is turned into the same input
 * shape as the seed files and validated with the same zod schema, so the
 * browser and `db:seed` accept exactly the same data.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import {
  activityPlanItems,
  activityPlans,
  aggregators,
  categories,
  categoryCpvCodes,
  conventionLots,
  conventions,
  jointInitiativePartners,
  jointInitiatives,
  tools,
  type ConventionStatus,
} from "@db/schema";
import type { Actor } from "@/lib/audit";
import { issueMessage } from "@/lib/content-files";
import { getDb } from "@/lib/db";
import { formValues, type FieldErrors, type FormSpec, type FormValues } from "@/lib/forms";
import { MAX_DOCUMENTS, postedDocumentRows, storeDocumentUpload, type DocumentRow } from "./documents";
import { AggregatorSeed, CategorySeed, ConventionSeed, InitiativeSeed, PlanSeed } from "./seed-schema";
import { cpvEntry } from "./cpv/vocabulary";
import { decodeLots, euro, euroText, integer, isLotAction, lotFormValues, optional } from "./editor-rows";
import { CatalogWriteError, saveAggregator, saveCategory, saveConvention, saveInitiative, savePlan } from "./write";

export type { FormValues };

/** Fields whose lines are list entries; an error there names the line. */
const LINE_FIELDS = new Set(["items"]);

/** Non-empty lines of a textarea, split on "|". */
function rows(value: string | undefined): string[][] {
  return (value ?? "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split("|").map((cell) => cell.trim()));
}

/** Zod's wording for content authors, with the line named for list fields. */
function lineMessage(issue: z.core.$ZodIssue, candidate: unknown): string {
  const field = String(issue.path[0] ?? "_form");
  const index = issue.path[1];
  const line = LINE_FIELDS.has(field) && typeof index === "number" ? `riga ${index + 1}: ` : "";
  const code = field === "cpv" && typeof index === "number" ? (candidate as { cpv?: { code?: unknown }[] }).cpv?.[index]?.code : undefined;
  return `${line}${typeof code === "string" ? `«${code}»: ` : ""}${issueMessage(issue, candidate)}`;
}

/** The field an issue is shown on: one lot row's own field (`lots.1.name`), else the form field. */
function issueField(issue: z.core.$ZodIssue): string {
  const [first, index, sub] = issue.path;
  if (first === "lots" && typeof index === "number") return `lots.${index}.${typeof sub === "string" ? sub : "number"}`;
  return String(first ?? "_form");
}

/** One entity of the back-office editor: its seed schema, how a posted form becomes the seed shape, and how it is saved. */
export interface CatalogCodec<S extends z.ZodType, K> {
  schema: S;
  decode: (form: FormData) => unknown;
  save: (input: z.infer<S>) => Promise<K>;
  /** Runs on every post first (uploads, the buttons that only show the form again); see FormSpec.prepare. */
  prepare?: FormSpec<S, K>["prepare"];
}

/**
 * The catalog editor helper: the handleForm() spec of every editor page.
 * A new entry is a create form (one-time token); saving goes to the
 * entry's editor with «Modifiche salvate» (`path(key)?salvato`).
 */
export function catalogEditorForm<S extends z.ZodType, K>(codec: CatalogCodec<S, K>, path: (key: K) => string, isNew: boolean): FormSpec<S, K> {
  return {
    schema: codec.schema,
    decode: codec.decode,
    message: lineMessage,
    field: issueField,
    prepare: codec.prepare,
    action: (input) => codec.save(input),
    done: (key) => `${path(key)}?salvato`,
    once: isNew,
  };
}

// ---- Conventions -----------------------------------------------------------

export const CONVENTION_LABELS: Record<string, string> = {
  title: "Titolo",
  slug: "Indirizzo (slug)",
  aggregator: "Soggetto aggregatore",
  category: "Categoria",
  instrument: "Tipo di strumento",
  status: "Stato",
  summary: "Sintesi",
  description: "Descrizione",
  cig: "CIG",
  publishedOn: "Data di pubblicazione",
  startDate: "Attiva dal",
  endDate: "Scadenza",
  ceiling: "Massimale (euro)",
  used: "Importo utilizzato (euro)",
  orderingUrl: "Indirizzo della piattaforma degli ordini",
  lots: "Lotti",
  newDocument: "Nuovo documento",
  newDocumentKind: "Tipo del nuovo documento",
  example: "Voce dimostrativa",
};

/** The `azione` of the convention form's «Carica il documento» button. */
export const DOCUMENT_UPLOAD_ACTION = "documento-carica";

/** The convention form's documents: set by every post (kept rows plus the new upload), null on GET. */
export interface ConventionDocumentsState {
  rows: DocumentRow[] | null;
}

/**
 * The convention form (new when `id` is undefined); the key is the convention id.
 * Its documents are rows too (`documents.<row>.id|kind|remove`) plus one upload
 * (`newDocument`, `newDocumentKind`), stored as soon as it is posted.
 */
export const conventionCodec = (id: number | undefined, actor: Actor): CatalogCodec<typeof ConventionSeed, number> & { documents: ConventionDocumentsState } => {
  const documents: ConventionDocumentsState = { rows: null };
  return {
    documents,
    schema: ConventionSeed,
    decode(form) {
      const v = formValues(form);
      return {
        slug: optional(v.slug),
        aggregator: optional(v.aggregator),
        category: optional(v.category),
        instrument: optional(v.instrument),
        title: optional(v.title),
        summary: v.summary?.trim() ?? "",
        description: v.description?.trim() ?? "",
        cig: optional(v.cig)?.toUpperCase(),
        status: optional(v.status),
        publishedOn: optional(v.publishedOn),
        startDate: optional(v.startDate),
        endDate: optional(v.endDate),
        ceiling: euro(v.ceiling),
        used: euro(v.used),
        orderingUrl: optional(v.orderingUrl),
        example: v.example === "1",
        lots: decodeLots(v),
      };
    },
    async prepare(form) {
      const kept = (await postedDocumentRows(formValues(form), id)).filter((r) => !r.remove);
      const errors: FieldErrors = {};
      const file = form.get("newDocument");
      if (file instanceof File && (file.size > 0 || file.name !== "")) {
        if (kept.length >= MAX_DOCUMENTS) errors.newDocument = `Una convenzione può avere al massimo ${MAX_DOCUMENTS} documenti.`;
        else {
          const upload = await storeDocumentUpload(file, form.get("newDocumentKind"));
          if (upload.row) kept.push({ document: upload.row, kind: upload.row.kind, remove: false });
          else errors.newDocument = upload.error!;
        }
      }
      documents.rows = kept;
      // The row buttons show the form again with the rows changed; nothing is saved or checked.
      const action = form.get("azione");
      if (isLotAction(action) || action === DOCUMENT_UPLOAD_ACTION) return { show: true, quiet: true, errors };
      return { errors };
    },
    save: async (input) =>
      (await saveConvention(input, { id, actor, documents: documents.rows?.map((r) => ({ id: r.document.id, kind: r.kind })) })).id,
  };
};

/** The form values of a stored convention, or null. */
export async function conventionFormValues(id: number): Promise<FormValues | null> {
  const db = await getDb();
  const [c] = await db.select().from(conventions).where(eq(conventions.id, id));
  if (!c) return null;
  const lots = await db.select().from(conventionLots).where(eq(conventionLots.conventionId, id)).orderBy(asc(conventionLots.number));
  return {
    title: c.title,
    slug: c.slug,
    aggregator: c.aggregatorId,
    category: c.categoryId,
    instrument: c.instrumentType,
    status: c.status,
    summary: c.summary,
    description: c.description,
    cig: c.cig ?? "",
    publishedOn: c.publishedOn ?? "",
    startDate: c.startDate ?? "",
    endDate: c.endDate ?? "",
    ceiling: euroText(c.ceilingValue),
    used: euroText(c.usedValue),
    orderingUrl: c.orderingUrl ?? "",
    example: c.isExample ? "1" : "",
    ...lotFormValues(lots),
  };
}

// ---- Joint initiatives -----------------------------------------------------

export const INITIATIVE_LABELS: Record<string, string> = {
  title: "Titolo",
  slug: "Indirizzo (slug)",
  stage: "Fase",
  category: "Categoria",
  partners: "Soggetti aggregatori partner",
  summary: "Sintesi",
  description: "Descrizione",
  startDate: "Data di avvio",
  endDate: "Conclusione prevista",
  example: "Voce dimostrativa",
};

export const initiativeCodec = (id: number | undefined, actor: Actor): CatalogCodec<typeof InitiativeSeed, number> => ({
  schema: InitiativeSeed,
  decode(form) {
    const v = formValues(form);
    return {
      slug: optional(v.slug),
      title: optional(v.title),
      summary: v.summary?.trim() ?? "",
      description: v.description?.trim() ?? "",
      category: optional(v.category),
      stage: optional(v.stage),
      startDate: optional(v.startDate),
      endDate: optional(v.endDate),
      partners: form.getAll("partners").filter((p): p is string => typeof p === "string"),
      example: v.example === "1",
    };
  },
  save: async (input) => (await saveInitiative(input, { id, actor })).id,
});

export async function initiativeFormValues(id: number): Promise<FormValues | null> {
  const db = await getDb();
  const [i] = await db.select().from(jointInitiatives).where(eq(jointInitiatives.id, id));
  if (!i) return null;
  const partners = await db.select().from(jointInitiativePartners).where(eq(jointInitiativePartners.initiativeId, id));
  return {
    title: i.title,
    slug: i.slug,
    stage: i.stage,
    category: i.categoryId ?? "",
    partners: partners.map((p) => p.aggregatorId).join(","),
    summary: i.summary,
    description: i.description,
    startDate: i.startDate ?? "",
    endDate: i.endDate ?? "",
    example: i.isExample ? "1" : "",
  };
}

// ---- Aggregators -----------------------------------------------------------

export const AGGREGATOR_LABELS: Record<string, string> = {
  name: "Denominazione",
  id: "Identificativo (slug)",
  shortName: "Nome breve",
  kind: "Tipo",
  region: "Regione",
  territory: "Territorio servito",
  website: "Sito web",
  platform: "Piattaforma di e-procurement",
  email: "Email",
  phone: "Telefono",
  address: "Indirizzo",
  description: "Descrizione",
  example: "Voce dimostrativa",
};

/** The aggregator form; `id` is fixed once created (it is the URL). */
export const aggregatorCodec = (id: string | undefined, actor: Actor): CatalogCodec<typeof AggregatorSeed, string> => ({
  schema: AggregatorSeed,
  decode(form) {
    const v = formValues(form);
    return {
      id: id ?? optional(v.id),
      name: optional(v.name),
      shortName: optional(v.shortName),
      kind: optional(v.kind),
      region: optional(v.region),
      territory: optional(v.territory),
      website: optional(v.website),
      platform: optional(v.platform),
      email: optional(v.email),
      phone: optional(v.phone),
      address: optional(v.address),
      description: v.description?.trim() ?? "",
      example: v.example === "1",
    };
  },
  async save(input) {
    if (id === undefined && (await idTaken(aggregators, input.id))) throw new CatalogWriteError(`l'identificativo «${input.id}» è già in uso`, "id");
    return (await saveAggregator(input, { actor })).id;
  },
});

/** Whether a text-keyed catalog row (aggregator, category) already uses `id`. */
async function idTaken(table: typeof aggregators | typeof categories, id: string): Promise<boolean> {
  const db = await getDb();
  return (await db.select({ id: table.id }).from(table).where(eq(table.id, id))).length > 0;
}

export async function aggregatorFormValues(id: string): Promise<FormValues | null> {
  const db = await getDb();
  const [a] = await db.select().from(aggregators).where(eq(aggregators.id, id));
  if (!a) return null;
  return {
    id: a.id,
    name: a.name,
    shortName: a.shortName,
    kind: a.kind,
    region: a.region,
    territory: a.territory,
    website: a.website ?? "",
    platform: a.platformId ?? "",
    email: a.email ?? "",
    phone: a.phone ?? "",
    address: a.address ?? "",
    description: a.description,
    example: a.isExample ? "1" : "",
  };
}

// ---- Categories ------------------------------------------------------------

export const CATEGORY_LABELS: Record<string, string> = {
  name: "Nome",
  id: "Identificativo (slug)",
  description: "Descrizione",
  cpv: "Codici CPV",
  cpvq: "Cerca nel vocabolario CPV",
};

/** The `azione` of the category form's «Cerca» button. */
export const CPV_SEARCH_ACTION = "cerca-cpv";

export const categoryCodec = (id: string | undefined, actor: Actor): CatalogCodec<typeof CategorySeed, string> => ({
  schema: CategorySeed,
  decode(form) {
    const v = formValues(form);
    return {
      id: id ?? optional(v.id),
      name: optional(v.name),
      description: v.description?.trim() ?? "",
      // Chosen from the vocabulary: the label is always its official Italian one.
      cpv: [...new Set(form.getAll("cpv").filter((c): c is string => typeof c === "string").map((c) => c.trim()).filter(Boolean))].map((code) => ({
        code,
        label: cpvEntry(code)?.label,
      })),
    };
  },
  // «Cerca» shows the codes matching `cpvq` to tick; nothing is saved or checked.
  prepare: async (form) => (form.get("azione") === CPV_SEARCH_ACTION ? { show: true, quiet: true } : {}),
  async save(input) {
    if (id === undefined && (await idTaken(categories, input.id))) throw new CatalogWriteError(`l'identificativo «${input.id}» è già in uso`, "id");
    return (await saveCategory(input, { actor })).id;
  },
});

export async function categoryFormValues(id: string): Promise<FormValues | null> {
  const db = await getDb();
  const [c] = await db.select().from(categories).where(eq(categories.id, id));
  if (!c) return null;
  const codes = await db.select().from(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, id)).orderBy(asc(categoryCpvCodes.code));
  return { id: c.id, name: c.name, description: c.description, cpv: codes.map((x) => x.code).join(",") };
}

// ---- Activity plans --------------------------------------------------------

export const PLAN_LABELS: Record<string, string> = {
  aggregator: "Soggetto aggregatore",
  year: "Anno",
  notes: "Note",
  items: "Iniziative in programma",
  example: "Voce dimostrativa",
};

/** A plan, identified by aggregator and year (fixed once created); the key is the plan id. */
export const planCodec = (existing: { aggregator: string; year: number } | undefined, actor: Actor): CatalogCodec<typeof PlanSeed, number> => ({
  schema: PlanSeed,
  decode(form) {
    const v = formValues(form);
    return {
      aggregator: existing?.aggregator ?? optional(v.aggregator),
      year: existing?.year ?? integer(v.year),
      notes: v.notes?.trim() ?? "",
      example: v.example === "1",
      items: rows(v.items).map(([title, category, instrument, period, value]) => ({
        title: optional(title),
        category: optional(category),
        instrument: optional(instrument),
        period: optional(period),
        estimatedValue: euro(value),
      })),
    };
  },
  async save(input) {
    // A new plan for a year that already has one would silently replace its items.
    if (!existing && (await planExists(input.aggregator, input.year))) {
      throw new CatalogWriteError(`esiste già un piano ${input.year} per questo soggetto aggregatore: modificalo dall'elenco`, "year");
    }
    return (await savePlan(input, { actor })).id;
  },
});

async function planExists(aggregatorId: string, year: number): Promise<boolean> {
  const db = await getDb();
  const rows = await db
    .select({ id: activityPlans.id })
    .from(activityPlans)
    .where(and(eq(activityPlans.aggregatorId, aggregatorId), eq(activityPlans.year, year)));
  return rows.length > 0;
}

export async function planFormValues(id: number): Promise<(FormValues & { aggregator: string; year: string }) | null> {
  const db = await getDb();
  const [p] = await db.select().from(activityPlans).where(eq(activityPlans.id, id));
  if (!p) return null;
  const items = await db.select().from(activityPlanItems).where(and(eq(activityPlanItems.planId, id), isNull(activityPlanItems.sourceKey))).orderBy(asc(activityPlanItems.expectedPeriod), asc(activityPlanItems.id));
  return {
    aggregator: p.aggregatorId,
    year: String(p.year),
    notes: p.notes,
    example: p.isExample ? "1" : "",
    items: items
      .map((i) => [i.title, i.categoryId ?? "", i.instrumentType ?? "", i.expectedPeriod ?? "", euroText(i.estimatedValue)].join(" | "))
      .join("\n"),
  };
}

/** Options for the selects of every catalog form. */
export async function catalogFormOptions() {
  const db = await getDb();
  const [aggregatorRows, categoryRows, toolRows] = await Promise.all([
    db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name)),
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db.select({ id: tools.id, name: tools.name }).from(tools).orderBy(asc(tools.name)),
  ]);
  return { aggregators: aggregatorRows, categories: categoryRows, tools: toolRows };
}

/** Everything the catalog back-office home lists. */
export async function catalogAdminOverview() {
  const db = await getDb();
  const [conventionRows, initiativeRows, aggregatorRows, categoryRows, planRows] = await Promise.all([
    db
      .select({ id: conventions.id, title: conventions.title, status: conventions.status, aggregator: aggregators.shortName, isExample: conventions.isExample })
      .from(conventions)
      .innerJoin(aggregators, eq(aggregators.id, conventions.aggregatorId))
      .orderBy(asc(conventions.title)),
    db.select({ id: jointInitiatives.id, title: jointInitiatives.title, stage: jointInitiatives.stage }).from(jointInitiatives).orderBy(asc(jointInitiatives.title)),
    db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name)),
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db
      .select({ id: activityPlans.id, year: activityPlans.year, aggregator: aggregators.name })
      .from(activityPlans)
      .innerJoin(aggregators, eq(aggregators.id, activityPlans.aggregatorId))
      .orderBy(asc(activityPlans.year), asc(aggregators.name)),
  ]);
  return { conventions: conventionRows, initiatives: initiativeRows, aggregators: aggregatorRows, categories: categoryRows, plans: planRows };
}
