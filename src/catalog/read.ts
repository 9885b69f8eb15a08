/** Read models of the catalog pages: each page calls one of these. */
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import {
  activityPlanItems,
  activityPlans,
  aggregators,
  categories,
  categoryCpvCodes,
  conventions,
  jointInitiativePartners,
  jointInitiatives,
  toolLinks,
  tools,
} from "@db/schema";
import { getDb } from "@/lib/db";
import { generationCache } from "@/lib/cached";
import { todayInItaly } from "@/lib/dates";
import { catalogQueryString } from "./params";
import { conventionSummaries, searchConventions } from "./search";

export type Aggregator = typeof aggregators.$inferSelect;
export type Category = typeof categories.$inferSelect;
export type Tool = typeof tools.$inferSelect;

/** Options of the catalog filters, read once per change of categories or aggregators (src/lib/cached.ts). */
export async function getCatalogFilters() {
  return catalogFilters.get(await getDb());
}

const catalogFilters = generationCache("catalog-filters", async (db) => {
  const [categoryRows, aggregatorRows] = await Promise.all([
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db.select({ id: aggregators.id, name: aggregators.name, kind: aggregators.kind }).from(aggregators).orderBy(asc(aggregators.name)),
  ]);
  return { categories: categoryRows, aggregators: aggregatorRows };
});

/** The aggregators directory, with how many conventions each offers. */
export async function listAggregators() {
  const db = await getDb();
  const counts = db
    .select({ aggregatorId: conventions.aggregatorId, n: sql<number>`count(*)`.as("n") })
    .from(conventions)
    .groupBy(conventions.aggregatorId)
    .as("counts");
  return db
    .select({
      id: aggregators.id,
      name: aggregators.name,
      shortName: aggregators.shortName,
      kind: aggregators.kind,
      region: aggregators.region,
      territory: aggregators.territory,
      isExample: aggregators.isExample,
      conventionCount: sql<number>`coalesce(${counts.n}, 0)`,
    })
    .from(aggregators)
    .leftJoin(counts, eq(counts.aggregatorId, aggregators.id))
    .orderBy(sql`CASE ${aggregators.kind} WHEN 'national' THEN 0 WHEN 'regional' THEN 1 ELSE 2 END`, asc(aggregators.name));
}

export interface InitiativeSummary {
  id: number;
  slug: string;
  title: string;
  summary: string;
  stage: (typeof jointInitiatives.$inferSelect)["stage"];
  startDate: string | null;
  endDate: string | null;
  isExample: boolean;
  category: { id: string; name: string } | null;
  partners: { id: string; name: string; shortName: string }[];
}

async function initiativeSummaries(ids: number[] | "all"): Promise<InitiativeSummary[]> {
  const db = await getDb();
  if (ids !== "all" && ids.length === 0) return [];
  const rows = await db
    .select({
      id: jointInitiatives.id,
      slug: jointInitiatives.slug,
      title: jointInitiatives.title,
      summary: jointInitiatives.summary,
      stage: jointInitiatives.stage,
      startDate: jointInitiatives.startDate,
      endDate: jointInitiatives.endDate,
      isExample: jointInitiatives.isExample,
      categoryId: categories.id,
      categoryName: categories.name,
    })
    .from(jointInitiatives)
    .leftJoin(categories, eq(categories.id, jointInitiatives.categoryId))
    .where(ids === "all" ? undefined : inArray(jointInitiatives.id, ids))
    .orderBy(desc(jointInitiatives.startDate), desc(jointInitiatives.id));
  const partners = rows.length
    ? await db
        .select({ initiativeId: jointInitiativePartners.initiativeId, id: aggregators.id, name: aggregators.name, shortName: aggregators.shortName })
        .from(jointInitiativePartners)
        .innerJoin(aggregators, eq(aggregators.id, jointInitiativePartners.aggregatorId))
        .where(inArray(jointInitiativePartners.initiativeId, rows.map((r) => r.id)))
        .orderBy(asc(aggregators.name))
    : [];
  return rows.map(({ categoryId, categoryName, ...r }) => ({
    ...r,
    category: categoryId && categoryName ? { id: categoryId, name: categoryName } : null,
    partners: partners.filter((p) => p.initiativeId === r.id).map(({ initiativeId: _, ...p }) => p),
  }));
}

/** All joint initiatives, newest first. */
export function listInitiatives(): Promise<InitiativeSummary[]> {
  return initiativeSummaries("all");
}

/** One joint initiative with its description, or null. */
export async function getInitiative(slug: string) {
  const db = await getDb();
  const [row] = await db.select().from(jointInitiatives).where(eq(jointInitiatives.slug, slug));
  if (!row) return null;
  const [summary] = await initiativeSummaries([row.id]);
  return { ...summary!, description: row.description };
}

export interface PlanItem {
  id: number;
  planId: number;
  title: string;
  instrumentType: (typeof activityPlanItems.$inferSelect)["instrumentType"];
  expectedPeriod: string | null;
  estimatedValue: number | null;
  category: { id: string; name: string } | null;
  convention: { slug: string; title: string } | null;
  /** Who published an item followed from another platform; null for local items. */
  sourceName: string | null;
  /** Its follower's key, "federation:<peer>|<ocid>"; null for local items. */
  sourceKey: string | null;
}

export interface Plan {
  id: number;
  year: number;
  notes: string;
  isExample: boolean;
  aggregator: { id: string; name: string; shortName: string };
  items: PlanItem[];
}

async function plans(where: { year?: number; aggregatorId?: string }): Promise<Plan[]> {
  const db = await getDb();
  const rows = await db
    .select({
      id: activityPlans.id,
      year: activityPlans.year,
      notes: activityPlans.notes,
      isExample: activityPlans.isExample,
      aggregatorId: aggregators.id,
      aggregatorName: aggregators.name,
      aggregatorShortName: aggregators.shortName,
    })
    .from(activityPlans)
    .innerJoin(aggregators, eq(aggregators.id, activityPlans.aggregatorId))
    .where(
      and(
        where.year ? eq(activityPlans.year, where.year) : undefined,
        where.aggregatorId ? eq(activityPlans.aggregatorId, where.aggregatorId) : undefined,
      ),
    )
    .orderBy(desc(activityPlans.year), asc(aggregators.name));
  const items = rows.length
    ? await db
        .select({
          id: activityPlanItems.id,
          planId: activityPlanItems.planId,
          title: activityPlanItems.title,
          instrumentType: activityPlanItems.instrumentType,
          expectedPeriod: activityPlanItems.expectedPeriod,
          estimatedValue: activityPlanItems.estimatedValue,
          categoryId: categories.id,
          categoryName: categories.name,
          conventionSlug: conventions.slug,
          conventionTitle: conventions.title,
          sourceName: activityPlanItems.sourceName,
          sourceKey: activityPlanItems.sourceKey,
        })
        .from(activityPlanItems)
        .leftJoin(categories, eq(categories.id, activityPlanItems.categoryId))
        .leftJoin(conventions, eq(conventions.id, activityPlanItems.conventionId))
        .where(inArray(activityPlanItems.planId, rows.map((r) => r.id)))
        .orderBy(asc(activityPlanItems.expectedPeriod), asc(activityPlanItems.id))
    : [];
  return rows.map((r) => ({
    id: r.id,
    year: r.year,
    notes: r.notes,
    isExample: r.isExample,
    aggregator: { id: r.aggregatorId, name: r.aggregatorName, shortName: r.aggregatorShortName },
    items: items
      .filter((i) => i.planId === r.id)
      .map((i) => ({
        id: i.id,
        planId: i.planId,
        title: i.title,
        instrumentType: i.instrumentType,
        expectedPeriod: i.expectedPeriod,
        estimatedValue: i.estimatedValue,
        category: i.categoryId && i.categoryName ? { id: i.categoryId, name: i.categoryName } : null,
        convention: i.conventionSlug && i.conventionTitle ? { slug: i.conventionSlug, title: i.conventionTitle } : null,
        sourceName: i.sourceName,
        sourceKey: i.sourceKey,
      })),
  }));
}

/** Years that have at least one activity plan, newest first. */
export async function planYears(): Promise<number[]> {
  const db = await getDb();
  const rows = await db.selectDistinct({ year: activityPlans.year }).from(activityPlans).orderBy(desc(activityPlans.year));
  return rows.map((r) => r.year);
}

/** Activity plans of one year (all aggregators). */
export async function getPlansPage(year: number | undefined) {
  const years = await planYears();
  const shown = year ?? years[0];
  return { years, year: shown ?? null, plans: shown ? await plans({ year: shown }) : [] };
}

/** Platforms and the links between them. */
export async function listTools() {
  const db = await getDb();
  const [toolRows, linkRows, owners] = await Promise.all([
    db.select().from(tools).orderBy(asc(tools.name)),
    db.select().from(toolLinks),
    db.select({ id: aggregators.id, shortName: aggregators.shortName, platformId: aggregators.platformId }).from(aggregators),
  ]);
  const names = new Map(toolRows.map((t) => [t.id, t.name]));
  return toolRows.map((t) => ({
    ...t,
    operators: owners.filter((o) => o.platformId === t.id).map((o) => ({ id: o.id, shortName: o.shortName })),
    links: linkRows
      .filter((l) => l.fromToolId === t.id || l.toToolId === t.id)
      .map((l) => {
        const otherId = l.fromToolId === t.id ? l.toToolId : l.fromToolId;
        return { otherId, otherName: names.get(otherId) ?? otherId, description: l.description };
      }),
  }));
}

/** An aggregator's page: contacts, platform, first page of its conventions (soonest expiry first), initiatives and plans. */
export async function getAggregatorPage(id: string) {
  const db = await getDb();
  const [aggregator] = await db.select().from(aggregators).where(eq(aggregators.id, id));
  if (!aggregator) return null;
  const [platform, ownConventions, initiativeIds, ownPlans] = await Promise.all([
    aggregator.platformId ? db.select().from(tools).where(eq(tools.id, aggregator.platformId)).then((r) => r[0] ?? null) : null,
    searchConventions({ aggregatorId: id, sort: "scadenza", page: 1 }),
    db.select({ id: jointInitiativePartners.initiativeId }).from(jointInitiativePartners).where(eq(jointInitiativePartners.aggregatorId, id)),
    plans({ aggregatorId: id }),
  ]);
  const initiatives = await initiativeSummaries(initiativeIds.map((r) => r.id));
  const catalogQuery = catalogQueryString({ aggregatorId: id, sort: "recenti", page: 1 });
  return { aggregator, platform, conventions: ownConventions, catalogQuery, initiatives, plans: ownPlans };
}

/** A convention page: the summary plus description, CPV codes and the ordering platform. */
export async function getConventionPage(slug: string) {
  const [convention] = await conventionSummaries(sql`c.slug = ${slug}`);
  if (!convention) return null;
  const db = await getDb();
  const [detail, cpv, platform] = await Promise.all([
    db.select({ description: conventions.description }).from(conventions).where(eq(conventions.id, convention.id)),
    db.select({ code: categoryCpvCodes.code, label: categoryCpvCodes.label }).from(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, convention.category.id)),
    db
      .select({ id: tools.id, name: tools.name, url: tools.url })
      .from(aggregators)
      .innerJoin(tools, eq(tools.id, aggregators.platformId))
      .where(eq(aggregators.id, convention.aggregator.id)),
  ]);
  return { convention, description: detail[0]?.description ?? "", cpv, platform: platform[0] ?? null, today: todayInItaly() };
}

/** A category by id, or null (the comparison page names it). */
export async function getCategory(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(categories).where(eq(categories.id, id));
  return row ?? null;
}
