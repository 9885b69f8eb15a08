/**
 * Catalog writes shared by the back office and the seed loader. Each runs in
 * one transaction that also writes the announcement (transactional outbox)
 * and, when an actor is given, the audit record.
 * Alerts match announcements on categoryId, aggregatorIds and regions.
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import {
  activityPlanItems,
  activityPlans,
  aggregators,
  categories,
  categoryCpvCodes,
  conventionDocuments,
  conventionLots,
  conventions,
  jointInitiativePartners,
  jointInitiatives,
  tools,
  type AnnouncementKind,
  type ConventionDocumentKind,
  type ConventionStatus,
} from "@db/schema";
import { announce } from "@/outbox";
import { changesBetween, recordAudit, type Actor, type AuditChange } from "@/lib/audit";
import { getDb, type Transaction } from "@/lib/db";
import { Refusal } from "@/lib/refusal";
import { NATIONAL_REGION } from "./labels";
import { removeStoredFile } from "@/lib/stored-files";
import { DOCUMENT_KIND_LABELS } from "./documents";
import { LOT_FIELDS } from "./editor-rows";
import { LOT_COLUMNS } from "./search";
import type { AggregatorInput, CategoryInput, ConventionInput, InitiativeInput, PlanInput } from "./seed-schema";

/** The database or an open transaction. */

/** A write refused because of the data (unknown reference, slug taken); names the field. */
export class CatalogWriteError extends Refusal {
  override name = "CatalogWriteError";
}

export interface WriteOptions {
  /** Who is writing; recorded in the audit log. The seed loader passes none. */
  actor?: Actor;
  /** Run inside this transaction instead of opening one. */
  tx?: Transaction;
}

export interface WriteResult {
  id: number;
  created: boolean;
  /** Nothing differed from what was stored, so nothing was written. */
  unchanged: boolean;
}

async function inTransaction<T>(options: WriteOptions, work: (tx: Transaction) => Promise<T>): Promise<T> {
  if (options.tx) return work(options.tx);
  const db = await getDb();
  return db.transaction(work);
}

const cents = (euro: number | undefined) => (euro === undefined ? null : Math.round(euro * 100));

/** Statuses that make a convention news for subscribers, and the announcement kind for each. */
const ANNOUNCED_STATUSES: Partial<Record<ConventionStatus, AnnouncementKind>> = {
  planned: "planned",
  tender_in_progress: "planned",
  active: "convention",
};

async function requireAggregator(tx: Transaction, id: string, field: string) {
  const [row] = await tx.select({ id: aggregators.id, region: aggregators.region }).from(aggregators).where(eq(aggregators.id, id));
  if (!row) throw new CatalogWriteError(`il soggetto aggregatore «${id}» non esiste`, field);
  return row;
}

async function requireCategory(tx: Transaction, id: string, field: string) {
  const [row] = await tx.select({ id: categories.id }).from(categories).where(eq(categories.id, id));
  if (!row) throw new CatalogWriteError(`la categoria «${id}» non esiste`, field);
}

/**
 * The row a slug-addressed write updates. With `id`, that row (its slug may
 * change, but not to another row's); without, the row holding the slug, which
 * only the seed loader (`upsert`) may overwrite.
 */
async function findExisting<T extends { id: number }>(
  options: { id?: number; upsert?: boolean },
  slug: string,
  noun: string,
  load: (by: "slug" | "id") => Promise<T | undefined>,
): Promise<T | undefined> {
  const bySlug = await load("slug");
  if (bySlug && bySlug.id !== options.id && !(options.upsert && options.id === undefined)) {
    throw new CatalogWriteError(`l'indirizzo «${slug}» è già usato da un'altra ${noun}`, "slug");
  }
  if (options.id === undefined || bySlug?.id === options.id) return bySlug;
  const byId = await load("id");
  if (!byId) throw new CatalogWriteError("la voce da modificare non esiste più", "_form");
  return byId;
}

/** Compares stored values with new ones; JSON is enough for the flat rows involved. */
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

type LotColumns = { number: number } & Record<string, unknown>;

/** How a lot is named in the audit log when it is added or removed. */
const lotText = (lot: LotColumns) => `${String(lot.name)} (${String(lot.region)})`;

/**
 * Lot changes field by field, lots matched by number: `lots.<n>` for a lot
 * added (before null) or removed (after null), `lots.<n>.<column>` for a
 * changed field.
 */
export function lotChanges(before: LotColumns[], after: LotColumns[]): AuditChange[] {
  const old = new Map(before.map((l) => [l.number, l]));
  const now = new Map(after.map((l) => [l.number, l]));
  const numbers = [...new Set([...old.keys(), ...now.keys()])].sort((x, y) => x - y);
  const changes: AuditChange[] = [];
  for (const n of numbers) {
    const b = old.get(n);
    const a = now.get(n);
    if (!b || !a) {
      changes.push({ field: `lots.${n}`, before: b ? lotText(b) : null, after: a ? lotText(a) : null });
      continue;
    }
    for (const { column } of LOT_FIELDS) {
      if (column !== "number" && !same(b[column] ?? null, a[column] ?? null)) changes.push({ field: `lots.${n}.${column}`, before: b[column] ?? null, after: a[column] ?? null });
    }
  }
  return changes;
}

/**
 * Creates or updates a convention with its lots. With `id` it updates that
 * row; otherwise it looks the slug up and refuses a taken slug unless
 * `upsert` (the seed loader) is set. Announces when the convention is new or
 * changes to planned, tender in progress or active.
 */
export async function saveConvention(input: ConventionInput, options: WriteOptions & { id?: number; upsert?: boolean; documents?: DocumentChoice[] } = {}): Promise<WriteResult> {
  const removedFiles: string[] = [];
  const result = await inTransaction(options, async (tx) => {
    const aggregator = await requireAggregator(tx, input.aggregator, "aggregator");
    await requireCategory(tx, input.category, "category");
    const existing = await findExisting(options, input.slug, "convenzione", async (by) =>
      (await tx.select().from(conventions).where(by === "slug" ? eq(conventions.slug, input.slug) : eq(conventions.id, options.id!)))[0],
    );
    const documents = options.documents ? await planDocuments(tx, existing?.id, options.documents) : null;

    const row = {
      slug: input.slug,
      aggregatorId: input.aggregator,
      categoryId: input.category,
      instrumentType: input.instrument,
      title: input.title,
      summary: input.summary,
      description: input.description,
      cig: input.cig ?? null,
      status: input.status,
      publishedOn: input.publishedOn ?? null,
      startDate: input.startDate ?? null,
      endDate: input.endDate ?? null,
      ceilingValue: cents(input.ceiling),
      usedValue: cents(input.used),
      orderingUrl: input.orderingUrl ?? null,
      isExample: input.example,
    };
    const lots = input.lots.map((l) => ({
      number: l.number,
      name: l.name,
      region: l.region,
      territory: l.territory,
      supplier: l.supplier ?? null,
      ceilingValue: cents(l.ceiling),
      cig: l.cig ?? null,
      usedValue: cents(l.used),
      status: l.status ?? null,
      startDate: l.startDate ?? null,
      endDate: l.endDate ?? null,
    }));

    let id: number;
    let changes: AuditChange[] = [];
    if (existing) {
      id = existing.id;
      const storedLots = await tx
        .select(LOT_COLUMNS)
        .from(conventionLots)
        .where(eq(conventionLots.conventionId, id))
        .orderBy(conventionLots.number);
      const storedRow = Object.fromEntries(Object.keys(row).map((k) => [k, existing[k as keyof typeof existing]]));
      if (same(storedRow, row) && same(storedLots, [...lots].sort((a, b) => a.number - b.number)) && !documents?.changed) {
        return { id, created: false, unchanged: true };
      }
      changes = [...changesBetween(storedRow, row), ...lotChanges(storedLots, lots), ...(documents?.changes ?? [])];
      await tx.update(conventions).set({ ...row, updatedAt: new Date() }).where(eq(conventions.id, id));
      await tx.delete(conventionLots).where(eq(conventionLots.conventionId, id));
    } else {
      const [inserted] = await tx.insert(conventions).values(row).returning({ id: conventions.id });
      id = inserted!.id;
    }
    if (lots.length > 0) await tx.insert(conventionLots).values(lots.map((l) => ({ ...l, conventionId: id })));
    if (documents) removedFiles.push(...(await applyDocuments(tx, id, documents)));

    const kind = ANNOUNCED_STATUSES[input.status];
    if (kind && existing?.status !== input.status) {
      await announce(tx, {
        kind,
        eventKey: `convention:${id}:${input.status}`,
        entityType: "convention",
        entityId: id,
        title: input.title,
        summary: input.summary,
        path: `/convenzioni/${input.slug}`,
        categoryId: input.category,
        aggregatorIds: [input.aggregator],
        regions: lots.length > 0 ? [...new Set(lots.map((l) => l.region))] : [aggregator.region],
      });
    }
    if (options.actor) {
      await recordAudit(tx, options.actor, existing ? "convention.update" : "convention.create", { type: "convention", id }, existing ? { slug: input.slug, changes } : { slug: input.slug, status: input.status });
    }
    return { id, created: !existing, unchanged: false };
  });
  // Files go once their rows are gone for good (a rolled-back save keeps both).
  for (const id of removedFiles) await removeStoredFile(id);
  return result;
}

/** A document kept by the editor, in the order shown. */
export interface DocumentChoice {
  id: string;
  kind: ConventionDocumentKind;
}

interface DocumentPlan {
  keep: DocumentChoice[];
  remove: string[];
  changed: boolean;
  changes: AuditChange[];
}

/**
 * What saving the chosen documents does: each must be this convention's or an
 * unsaved upload; stored documents not chosen are removed. Changes are
 * recorded as `documents.<file name>` with the kind before and after.
 */
async function planDocuments(tx: Transaction, conventionId: number | undefined, chosen: DocumentChoice[]): Promise<DocumentPlan> {
  const stored = conventionId === undefined ? [] : await tx.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, conventionId)).orderBy(conventionDocuments.position);
  const ids = chosen.map((c) => c.id);
  const pending = ids.length ? await tx.select().from(conventionDocuments).where(and(inArray(conventionDocuments.id, ids), isNull(conventionDocuments.conventionId))) : [];
  const known = new Map([...stored, ...pending].map((d) => [d.id, d]));
  for (const c of chosen) if (!known.has(c.id)) throw new CatalogWriteError("un documento caricato non è più disponibile: caricalo di nuovo", "newDocument");
  const changes: AuditChange[] = [];
  const label = (kind: ConventionDocumentKind) => DOCUMENT_KIND_LABELS[kind];
  for (const c of chosen) {
    const d = known.get(c.id)!;
    if (d.conventionId === null) changes.push({ field: `documents.${d.originalName}`, before: null, after: label(c.kind) });
    else if (d.kind !== c.kind) changes.push({ field: `documents.${d.originalName}`, before: label(d.kind), after: label(c.kind) });
  }
  const remove = stored.filter((d) => !ids.includes(d.id));
  for (const d of remove) changes.push({ field: `documents.${d.originalName}`, before: label(d.kind), after: null });
  const reordered = !same(stored.filter((d) => ids.includes(d.id)).map((d) => d.id), ids.filter((id) => known.get(id)!.conventionId !== null));
  return { keep: chosen, remove: remove.map((d) => d.id), changed: changes.length > 0 || reordered, changes };
}

/** Links, orders and relabels the kept documents and deletes the others; returns the files to remove after commit. */
async function applyDocuments(tx: Transaction, conventionId: number, plan: DocumentPlan): Promise<string[]> {
  for (const [position, c] of plan.keep.entries()) {
    await tx.update(conventionDocuments).set({ conventionId, kind: c.kind, position }).where(eq(conventionDocuments.id, c.id));
  }
  if (plan.remove.length) await tx.delete(conventionDocuments).where(inArray(conventionDocuments.id, plan.remove));
  return plan.remove;
}

/** Creates or updates a joint initiative (by slug) and its partners; a new one is announced. */
export async function saveInitiative(input: InitiativeInput, options: WriteOptions & { id?: number; upsert?: boolean } = {}): Promise<WriteResult> {
  return inTransaction(options, async (tx) => {
    if (input.category) await requireCategory(tx, input.category, "category");
    const partnerRows = [];
    for (const partner of input.partners) partnerRows.push(await requireAggregator(tx, partner, "partners"));
    const existing = await findExisting(options, input.slug, "iniziativa", async (by) =>
      (await tx.select().from(jointInitiatives).where(by === "slug" ? eq(jointInitiatives.slug, input.slug) : eq(jointInitiatives.id, options.id!)))[0],
    );
    const row = {
      slug: input.slug,
      title: input.title,
      summary: input.summary,
      description: input.description,
      categoryId: input.category ?? null,
      stage: input.stage,
      startDate: input.startDate ?? null,
      endDate: input.endDate ?? null,
      isExample: input.example,
    };
    let id: number;
    let changes: AuditChange[] = [];
    if (existing) {
      id = existing.id;
      const storedPartners = await tx
        .select({ id: jointInitiativePartners.aggregatorId })
        .from(jointInitiativePartners)
        .where(eq(jointInitiativePartners.initiativeId, id));
      const storedRow = Object.fromEntries(Object.keys(row).map((k) => [k, existing[k as keyof typeof existing]]));
      if (same(storedRow, row) && same(storedPartners.map((p) => p.id).sort(), [...input.partners].sort())) {
        return { id, created: false, unchanged: true };
      }
      changes = changesBetween(storedRow, row);
      const partnersBefore = storedPartners.map((p) => p.id).sort();
      if (!same(partnersBefore, [...input.partners].sort())) changes.push({ field: "partners", before: partnersBefore.join(", "), after: [...input.partners].sort().join(", ") });
      await tx.update(jointInitiatives).set({ ...row, updatedAt: new Date() }).where(eq(jointInitiatives.id, id));
      await tx.delete(jointInitiativePartners).where(eq(jointInitiativePartners.initiativeId, id));
    } else {
      const [inserted] = await tx.insert(jointInitiatives).values(row).returning({ id: jointInitiatives.id });
      id = inserted!.id;
    }
    await tx.insert(jointInitiativePartners).values(input.partners.map((aggregatorId) => ({ initiativeId: id, aggregatorId })));
    if (!existing) {
      await announce(tx, {
        kind: "initiative",
        eventKey: `initiative:${id}:published`,
        entityType: "joint_initiative",
        entityId: id,
        title: input.title,
        summary: input.summary,
        path: `/iniziative-congiunte/${input.slug}`,
        categoryId: input.category ?? null,
        aggregatorIds: input.partners,
        regions: [...new Set(partnerRows.map((p) => p.region).filter((r) => r !== NATIONAL_REGION))],
      });
    }
    if (options.actor) {
      await recordAudit(tx, options.actor, existing ? "initiative.update" : "initiative.create", { type: "joint_initiative", id }, existing ? { slug: input.slug, changes } : { slug: input.slug });
    }
    return { id, created: !existing, unchanged: false };
  });
}

/**
 * Creates or updates an aggregator's plan for a year. Items are matched by
 * title so their ids (and announcements) stay stable; each new item is
 * announced as a planned initiative.
 */
export async function savePlan(input: PlanInput, options: WriteOptions = {}): Promise<WriteResult> {
  return inTransaction(options, async (tx) => {
    const aggregator = await requireAggregator(tx, input.aggregator, "aggregator");
    const conventionIds = new Map<string, number>();
    for (const [i, item] of input.items.entries()) {
      if (item.category) await requireCategory(tx, item.category, `items.${i}.category`);
      if (item.convention) {
        const [c] = await tx.select({ id: conventions.id }).from(conventions).where(eq(conventions.slug, item.convention));
        if (!c) throw new CatalogWriteError(`la convenzione «${item.convention}» non esiste`, `items.${i}.convention`);
        conventionIds.set(item.convention, c.id);
      }
    }
    const [existing] = await tx
      .select()
      .from(activityPlans)
      .where(and(eq(activityPlans.aggregatorId, input.aggregator), eq(activityPlans.year, input.year)));
    let planId: number;
    let changed = !existing;
    const changes: AuditChange[] = existing ? changesBetween(existing, { notes: input.notes, isExample: input.example }) : [];
    if (existing) {
      planId = existing.id;
      if (existing.notes !== input.notes || existing.isExample !== input.example) {
        await tx.update(activityPlans).set({ notes: input.notes, isExample: input.example }).where(eq(activityPlans.id, planId));
        changed = true;
      }
    } else {
      const [inserted] = await tx
        .insert(activityPlans)
        .values({ aggregatorId: input.aggregator, year: input.year, notes: input.notes, isExample: input.example })
        .returning({ id: activityPlans.id });
      planId = inserted!.id;
    }
    // Items followed from another platform (source_key set) are kept by their follower, not by this form.
    const stored = await tx.select().from(activityPlanItems).where(and(eq(activityPlanItems.planId, planId), isNull(activityPlanItems.sourceKey)));
    const byTitle = new Map(stored.map((s) => [s.title, s]));
    const keep = new Set<number>();
    for (const item of input.items) {
      const row = {
        planId,
        title: item.title,
        categoryId: item.category ?? null,
        instrumentType: item.instrument ?? null,
        expectedPeriod: item.period ?? null,
        estimatedValue: cents(item.estimatedValue),
        conventionId: item.convention ? conventionIds.get(item.convention)! : null,
      };
      const old = byTitle.get(item.title);
      if (old) {
        keep.add(old.id);
        const { id: _, updatedAt: _updatedAt, sourceName: _sourceName, sourceKey: _sourceKey, ...oldRow } = old;
        if (!same(oldRow, row)) {
          for (const c of changesBetween(oldRow, row)) changes.push({ ...c, field: `items.${item.title}.${c.field}` });
          await tx.update(activityPlanItems).set(row).where(eq(activityPlanItems.id, old.id));
          changed = true;
        }
        continue;
      }
      const [inserted] = await tx.insert(activityPlanItems).values(row).returning({ id: activityPlanItems.id });
      changed = true;
      if (existing) changes.push({ field: "items", before: null, after: item.title });
      await announce(tx, {
        kind: "planned",
        eventKey: `plan-item:${inserted!.id}:published`,
        entityType: "activity_plan_item",
        entityId: inserted!.id,
        title: item.title,
        summary: `Piano delle attività ${input.year}`,
        path: `/piani-attivita?anno=${input.year}#piano-${input.aggregator}`,
        categoryId: item.category ?? null,
        aggregatorIds: [input.aggregator],
        regions: [aggregator.region],
      });
    }
    const removed = stored.filter((s) => !keep.has(s.id)).map((s) => s.id);
    for (const s of stored) if (!keep.has(s.id)) changes.push({ field: "items", before: s.title, after: null });
    if (removed.length > 0) {
      await tx.delete(activityPlanItems).where(inArray(activityPlanItems.id, removed));
      changed = true;
    }
    if (options.actor && changed) {
      await recordAudit(tx, options.actor, existing ? "plan.update" : "plan.create", { type: "activity_plan", id: planId }, existing ? { aggregator: input.aggregator, year: input.year, changes } : { aggregator: input.aggregator, year: input.year });
    }
    return { id: planId, created: !existing, unchanged: !changed };
  });
}

/** Creates or updates an aggregator (by id). */
export async function saveAggregator(input: AggregatorInput, options: WriteOptions = {}): Promise<{ id: string; created: boolean }> {
  return inTransaction(options, async (tx) => {
    if (input.platform) {
      const [t] = await tx.select({ id: tools.id }).from(tools).where(eq(tools.id, input.platform));
      if (!t) throw new CatalogWriteError(`la piattaforma «${input.platform}» non esiste`, "platform");
    }
    const row = {
      name: input.name,
      shortName: input.shortName,
      kind: input.kind,
      region: input.region,
      territory: input.territory,
      website: input.website ?? null,
      platformId: input.platform ?? null,
      email: input.email ?? null,
      phone: input.phone ?? null,
      address: input.address ?? null,
      description: input.description,
      isExample: input.example,
    };
    const [existing] = await tx.select().from(aggregators).where(eq(aggregators.id, input.id));
    let changes: AuditChange[] = [];
    if (existing) {
      const storedRow = Object.fromEntries(Object.keys(row).map((k) => [k, existing[k as keyof typeof existing]]));
      changes = changesBetween(storedRow, row);
      if (!same(storedRow, row)) await tx.update(aggregators).set({ ...row, updatedAt: new Date() }).where(eq(aggregators.id, input.id));
    } else {
      await tx.insert(aggregators).values({ id: input.id, ...row });
    }
    if (options.actor) {
      await recordAudit(tx, options.actor, existing ? "aggregator.update" : "aggregator.create", { type: "aggregator", id: input.id }, existing ? { changes } : undefined);
    }
    return { id: input.id, created: !existing };
  });
}

/** Creates or updates a category (by id) and replaces its CPV codes. */
export async function saveCategory(input: CategoryInput, options: WriteOptions = {}): Promise<{ id: string; created: boolean }> {
  return inTransaction(options, async (tx) => {
    const [existing] = await tx.select().from(categories).where(eq(categories.id, input.id));
    const changes: AuditChange[] = existing ? changesBetween(existing, { name: input.name, description: input.description }) : [];
    if (existing) {
      if (existing.name !== input.name || existing.description !== input.description) {
        await tx.update(categories).set({ name: input.name, description: input.description }).where(eq(categories.id, input.id));
      }
    } else {
      await tx.insert(categories).values({ id: input.id, name: input.name, description: input.description });
    }
    const stored = await tx.select({ code: categoryCpvCodes.code, label: categoryCpvCodes.label }).from(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, input.id));
    const sortByCode = (list: { code: string; label: string }[]) => [...list].sort((a, b) => a.code.localeCompare(b.code));
    if (!same(sortByCode(stored), sortByCode(input.cpv))) {
      // One change per code added, removed or relabelled: `cpv.<code>`, the label before and after.
      const before = new Map(stored.map((c) => [c.code, c.label]));
      const after = new Map(input.cpv.map((c) => [c.code, c.label]));
      for (const code of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        if (before.get(code) !== after.get(code)) changes.push({ field: `cpv.${code}`, before: before.get(code) ?? null, after: after.get(code) ?? null });
      }
      await tx.delete(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, input.id));
      await tx.insert(categoryCpvCodes).values(input.cpv.map((c) => ({ categoryId: input.id, code: c.code, label: c.label })));
    }
    if (options.actor) {
      await recordAudit(tx, options.actor, existing ? "category.update" : "category.create", { type: "category", id: input.id }, existing ? { changes } : undefined);
    }
    return { id: input.id, created: !existing };
  });
}
