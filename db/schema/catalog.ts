import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, isExample, updatedAt } from "./common";

export const AGGREGATOR_KINDS = ["national", "regional", "metropolitan_city", "province"] as const;
export const INSTRUMENT_TYPES = ["convenzione", "accordo_quadro", "sda", "gara_su_delega"] as const;
export const CONVENTION_STATUSES = ["planned", "tender_in_progress", "active", "exhausted", "expired"] as const;
export const INITIATIVE_STAGES = ["proposed", "planning", "tender", "active", "completed"] as const;

export type AggregatorKind = (typeof AGGREGATOR_KINDS)[number];
export type InstrumentType = (typeof INSTRUMENT_TYPES)[number];
export type ConventionStatus = (typeof CONVENTION_STATUSES)[number];
export type InitiativeStage = (typeof INITIATIVE_STAGES)[number];

/** E-procurement platforms and other tools the aggregators run. */
export const tools = sqliteTable("tools", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind").notNull(),
  url: text("url"),
  description: text("description").notNull().default(""),
  isExample: isExample(),
});

/** Which platforms talk to which, and how (the protocol's interoperability promise). */
export const toolLinks = sqliteTable(
  "tool_links",
  {
    fromToolId: text("from_tool_id")
      .notNull()
      .references(() => tools.id, { onDelete: "cascade" }),
    toToolId: text("to_tool_id")
      .notNull()
      .references(() => tools.id, { onDelete: "cascade" }),
    description: text("description").notNull(),
  },
  (t) => [primaryKey({ columns: [t.fromToolId, t.toToolId] })],
);

export const aggregators = sqliteTable("aggregators", {
  /** Slug, used in URLs. */
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  shortName: text("short_name").notNull(),
  kind: text("kind", { enum: AGGREGATOR_KINDS }).notNull(),
  /** Region the aggregator serves, or "Italia" for the national one. */
  region: text("region").notNull(),
  territory: text("territory").notNull(),
  website: text("website"),
  platformId: text("platform_id").references(() => tools.id, { onDelete: "set null" }),
  email: text("email"),
  phone: text("phone"),
  address: text("address"),
  description: text("description").notNull().default(""),
  isExample: isExample(),
  updatedAt: updatedAt(),
  /** Where an imported aggregator came from (see `conventions.sourceName`); null when typed in Aggrega. */
  sourceName: text("source_name"),
  sourceLicence: text("source_licence"),
  /** The importer's stable key (e.g. "anac-sa:01263370635"): importing again finds the row instead of adding one. */
  sourceKey: text("source_key").unique(),
});

/** The shared taxonomy on which national and regional items meet. */
export const categories = sqliteTable("categories", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
});

/** CPV codes (EU Common Procurement Vocabulary) of each category. */
export const categoryCpvCodes = sqliteTable(
  "category_cpv_codes",
  {
    categoryId: text("category_id")
      .notNull()
      .references(() => categories.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    label: text("label").notNull(),
  },
  (t) => [primaryKey({ columns: [t.categoryId, t.code] }), index("category_cpv_code_idx").on(t.code)],
);

export const conventions = sqliteTable(
  "conventions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    slug: text("slug").notNull().unique(),
    aggregatorId: text("aggregator_id")
      .notNull()
      .references(() => aggregators.id),
    categoryId: text("category_id")
      .notNull()
      .references(() => categories.id),
    instrumentType: text("instrument_type", { enum: INSTRUMENT_TYPES }).notNull(),
    title: text("title").notNull(),
    summary: text("summary").notNull().default(""),
    description: text("description").notNull().default(""),
    cig: text("cig"),
    status: text("status", { enum: CONVENTION_STATUSES }).notNull(),
    /** ISO dates (YYYY-MM-DD): the catalog filters and sorts on them as text. */
    publishedOn: text("published_on"),
    startDate: text("start_date"),
    endDate: text("end_date"),
    /** Euro cents. */
    ceilingValue: integer("ceiling_value"),
    usedValue: integer("used_value"),
    orderingUrl: text("ordering_url"),
    isExample: isExample(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Publisher of the open data an imported instrument came from ("ANAC", "Consip"…); null when typed in Aggrega. */
    sourceName: text("source_name"),
    /** Licence of that data, as shown ("CC BY 4.0"). */
    sourceLicence: text("source_licence"),
    /** The importer's stable key (e.g. "anac-cig:98813625E1", "ocds:ocds-abc123-x"): importing twice changes nothing. */
    sourceKey: text("source_key").unique(),
    /** The instrument's own CPV code when the source gives one (the category has its own list). */
    cpvCode: text("cpv_code"),
    /** Delegated purchasing (ANAC FLAG_DELEGA): the body buys on behalf of another, whose tax code is kept. */
    delegated: integer("delegated", { mode: "boolean" }),
    delegatingTaxCode: text("delegating_tax_code"),
    /** Code of the biennial/triennial programme the purchase belongs to (ANAC CUI_PROGRAMMA). */
    programmeCui: text("programme_cui"),
  },
  (t) => [
    index("conventions_aggregator_idx").on(t.aggregatorId, t.status),
    index("conventions_category_idx").on(t.categoryId, t.status),
    index("conventions_status_end_idx").on(t.status, t.endDate),
    index("conventions_end_idx").on(t.endDate),
    index("conventions_published_idx").on(t.publishedOn),
  ],
);

export const conventionLots = sqliteTable(
  "convention_lots",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conventionId: integer("convention_id")
      .notNull()
      .references(() => conventions.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    name: text("name").notNull(),
    /** Region the lot covers ("Italia" for national lots). */
    region: text("region").notNull(),
    territory: text("territory").notNull().default(""),
    supplier: text("supplier"),
    ceilingValue: integer("ceiling_value"),
    /** The lot's own CIG (each lot of a tender has one). */
    cig: text("cig"),
    /** Euro cents ordered so far against the lot's ceiling. */
    usedValue: integer("used_value"),
    /** The lot's own status; null means it follows the convention's. */
    status: text("status", { enum: CONVENTION_STATUSES }),
    /** ISO dates (YYYY-MM-DD); null means the convention's dates apply. */
    startDate: text("start_date"),
    endDate: text("end_date"),
  },
  (t) => [uniqueIndex("convention_lots_number_uq").on(t.conventionId, t.number), index("convention_lots_region_idx").on(t.region)],
);

export const jointInitiatives = sqliteTable("joint_initiatives", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  summary: text("summary").notNull().default(""),
  description: text("description").notNull().default(""),
  categoryId: text("category_id").references(() => categories.id),
  stage: text("stage", { enum: INITIATIVE_STAGES }).notNull(),
  startDate: text("start_date"),
  endDate: text("end_date"),
  isExample: isExample(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const jointInitiativePartners = sqliteTable(
  "joint_initiative_partners",
  {
    initiativeId: integer("initiative_id")
      .notNull()
      .references(() => jointInitiatives.id, { onDelete: "cascade" }),
    aggregatorId: text("aggregator_id")
      .notNull()
      .references(() => aggregators.id),
  },
  (t) => [primaryKey({ columns: [t.initiativeId, t.aggregatorId] }), index("jip_aggregator_idx").on(t.aggregatorId)],
);

export const activityPlans = sqliteTable(
  "activity_plans",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    aggregatorId: text("aggregator_id")
      .notNull()
      .references(() => aggregators.id),
    year: integer("year").notNull(),
    notes: text("notes").notNull().default(""),
    isExample: isExample(),
  },
  (t) => [uniqueIndex("activity_plans_uq").on(t.aggregatorId, t.year)],
);

export const activityPlanItems = sqliteTable(
  "activity_plan_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    planId: integer("plan_id")
      .notNull()
      .references(() => activityPlans.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    categoryId: text("category_id").references(() => categories.id),
    instrumentType: text("instrument_type", { enum: INSTRUMENT_TYPES }),
    /** e.g. "2026-T2" */
    expectedPeriod: text("expected_period"),
    estimatedValue: integer("estimated_value"),
    conventionId: integer("convention_id").references(() => conventions.id, { onDelete: "set null" }),
    /** Unix milliseconds of the last insert or change, set by database triggers (the OCDS planning release date). */
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
    /** Who published an item followed from another platform (src/interop/federation), shown as "Fonte: …"; null when typed in Aggrega. */
    sourceName: text("source_name"),
    /** The follower's stable key of such an item ("federation:<peer>|<ocid>"); null for local items. */
    sourceKey: text("source_key").unique(),
  },
  (t) => [index("activity_plan_items_plan_idx").on(t.planId)],
);

/** Kinds of document attached to an instrument, in the order they are listed. */
export const CONVENTION_DOCUMENT_KINDS = ["guida", "capitolato", "listino", "condizioni", "faq"] as const;
export type ConventionDocumentKind = (typeof CONVENTION_DOCUMENT_KINDS)[number];

/**
 * Documents of an instrument (guide, specifications, price list, conditions,
 * FAQ). The file lives in the uploads folder under `id`; a row without a
 * convention is an upload not saved yet (kept while a refused form is
 * corrected, removed after a day).
 */
export const conventionDocuments = sqliteTable(
  "convention_documents",
  {
    /** 32 hex characters, also the stored file's name. */
    id: text("id").primaryKey(),
    conventionId: integer("convention_id").references(() => conventions.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CONVENTION_DOCUMENT_KINDS }).notNull(),
    /** Name as uploaded, cleaned; for display and Content-Disposition only. */
    originalName: text("original_name").notNull(),
    mimeType: text("mime_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** Order within the convention's documents. */
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [index("convention_documents_convention_idx").on(t.conventionId, t.position)],
);

/**
 * Contracts awarded under a framework agreement (ANAC rows citing `cig_accordo_quadro`). They are not instruments of
 * the catalog: each is kept with the CIG of its framework and shown on the framework's page when that is in the catalog.
 */
export const frameworkCallOffs = sqliteTable(
  "framework_call_offs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    cig: text("cig").notNull(),
    frameworkCig: text("framework_cig").notNull(),
    title: text("title").notNull(),
    buyerName: text("buyer_name").notNull(),
    buyerTaxCode: text("buyer_tax_code"),
    /** Euro cents. */
    amount: integer("amount"),
    publishedOn: text("published_on"),
    cpvCode: text("cpv_code"),
    delegated: integer("delegated", { mode: "boolean" }),
    delegatingTaxCode: text("delegating_tax_code"),
    programmeCui: text("programme_cui"),
    sourceName: text("source_name").notNull(),
    sourceLicence: text("source_licence").notNull(),
    sourceKey: text("source_key").notNull().unique(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("framework_call_offs_framework_idx").on(t.frameworkCig)],
);
