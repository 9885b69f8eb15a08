/**
 * Writes what a reader produced into the catalog, idempotently: each item is
 * found again by its source key, so importing a file twice changes nothing.
 * Instruments go through the catalog's own write path (saveConvention: the
 * same validation as the back office, the lots, the announcement for alerts,
 * the audit record), then their source, licence and kept fields are set.
 * All-or-nothing per file: one rejected row and nothing is written, unless
 * `partial` (then each item is written on its own). A dry run does all the
 * work in a transaction that is rolled back, so its counts are the real ones.
 */
import { createHash } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { aggregators, categories, categoryCpvCodes, conventions, frameworkCallOffs } from "@db/schema";
import { CatalogWriteError, ConventionSeed, refreshSearchStems, saveAggregator, saveCategory, saveConvention, type ConventionInput } from "@/catalog";
import { recordAudit, type Actor } from "@/lib/audit";
import { getDb, transactionsSettled, type Transaction } from "@/lib/db";
import { errorMessage, log } from "@/lib/log";
import { CONSIP_AGGREGATOR } from "./consip";
import { foldName, slugify } from "./text";
import type { ImportedCallOff, ImportedEntry, ImportedInstrument, ImportOptions, ImportResult, ParsedImport, Progress, RowIssue } from "./types";

/** Where instruments go whose CPV code and category name match no category of the catalog. */
export const FALLBACK_CATEGORY = {
  id: "altre-categorie",
  name: "Altre categorie",
  description: "Strumenti importati dagli open data il cui codice CPV non corrisponde ad alcuna categoria del catalogo.",
  cpv: [],
};

/** Shortest CPV prefix shared with a category's code for the category to be chosen (the CPV "class", e.g. 45233). */
const MIN_CPV_PREFIX = 5;

class Rollback extends Error {}

interface Lookups {
  cpv: { categoryId: string; digits: string }[];
  categoryNames: Map<string, string>;
  /** Aggregators that existed before the import, by folded name (imported ones are found by source key). */
  aggregatorNames: Map<string, string>;
  /** Distinctive short names (at least 5 letters, e.g. "INTERCENT ER") of those aggregators, found as words of an imported name. */
  aggregatorShortNames: [string, string][];
  aggregatorIds: Set<string>;
}

async function loadLookups(): Promise<Lookups> {
  const db = await getDb();
  const [cpvRows, categoryRows, aggregatorRows] = await Promise.all([
    db.select({ categoryId: categoryCpvCodes.categoryId, code: categoryCpvCodes.code }).from(categoryCpvCodes),
    db.select({ id: categories.id, name: categories.name }).from(categories),
    db.select({ id: aggregators.id, name: aggregators.name, shortName: aggregators.shortName }).from(aggregators),
  ]);
  const aggregatorNames = new Map<string, string>();
  for (const a of aggregatorRows) {
    aggregatorNames.set(foldName(a.name), a.id);
    aggregatorNames.set(foldName(a.name).replace(/\bS P A\b|\bSPA\b/g, "").trim(), a.id);
  }
  return {
    cpv: cpvRows.map((r) => ({ categoryId: r.categoryId, digits: r.code.slice(0, 8) })),
    categoryNames: new Map(categoryRows.map((c) => [foldName(c.name), c.id])),
    aggregatorNames,
    aggregatorShortNames: aggregatorRows
      .map((a) => [foldName(a.shortName).replace(/-/g, " "), a.id] as [string, string])
      .filter(([short]) => short.replace(/\s/g, "").length >= 5),
    aggregatorIds: new Set(aggregatorRows.map((a) => a.id)),
  };
}

function categoryFor(entry: ImportedInstrument, lookups: Lookups): string | null {
  if (entry.cpvCode) {
    const digits = entry.cpvCode.slice(0, 8);
    let best: { id: string; length: number } | null = null;
    for (const c of lookups.cpv) {
      let n = 0;
      while (n < 8 && c.digits[n] === digits[n]) n++;
      if (n >= MIN_CPV_PREFIX && (!best || n > best.length)) best = { id: c.categoryId, length: n };
    }
    if (best) return best.id;
  }
  if (entry.categoryName) return lookups.categoryNames.get(foldName(entry.categoryName)) ?? null;
  return null;
}

async function categoryId(tx: Transaction, entry: ImportedInstrument, lookups: Lookups): Promise<string> {
  const found = categoryFor(entry, lookups);
  if (found) return found;
  const [fallback] = await tx.select({ id: categories.id }).from(categories).where(eq(categories.id, FALLBACK_CATEGORY.id));
  if (!fallback) await saveCategory(FALLBACK_CATEGORY, { tx });
  return FALLBACK_CATEGORY.id;
}

const short = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 6);

async function aggregatorId(tx: Transaction, entry: ImportedInstrument, source: ParsedImport["source"], lookups: Lookups): Promise<string> {
  const a = entry.aggregator;
  const [byKey] = await tx.select({ id: aggregators.id }).from(aggregators).where(eq(aggregators.sourceKey, a.key));
  if (byKey) return byKey.id;
  if (a.key === CONSIP_AGGREGATOR.key && lookups.aggregatorIds.has("consip")) return "consip";
  const byName = lookups.aggregatorNames.get(foldName(a.name)) ?? lookups.aggregatorNames.get(foldName(a.name).replace(/\bS P A\b|\bSPA\b/g, "").trim());
  if (byName) return byName;
  const words = ` ${foldName(a.name).replace(/-/g, " ")} `;
  const byShortName = lookups.aggregatorShortNames.find(([shortName]) => words.includes(` ${shortName} `));
  if (byShortName) return byShortName[1];
  let id = a.key === CONSIP_AGGREGATOR.key ? "consip" : slugify(a.name, 60);
  const [taken] = await tx.select({ id: aggregators.id }).from(aggregators).where(eq(aggregators.id, id));
  if (taken) id = `${slugify(a.name, 52)}-${short(a.key)}`;
  await saveAggregator({ id, name: a.name, shortName: a.shortName, kind: a.kind, region: a.region, territory: a.territory, description: "", example: false }, { tx });
  await tx.update(aggregators).set({ sourceName: source.name, sourceLicence: source.licence, sourceKey: a.key }).where(eq(aggregators.id, id));
  return id;
}

async function freeSlug(tx: Transaction, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base.slice(0, 70)}-${n}`;
    const [row] = await tx.select({ id: conventions.id }).from(conventions).where(eq(conventions.slug, slug));
    if (!row) return slug;
  }
}

type Outcome = "created" | "updated" | "unchanged";

/** Zod's issues as one Italian line: "lots.0.region: deve essere…; endDate: …". */
const zodLine = (issues: { path: PropertyKey[]; message: string }[]) => issues.map((i) => `${i.path.map(String).join(".") || "voce"}: ${i.message}`).join("; ");

async function writeInstrument(tx: Transaction, entry: ImportedInstrument, source: ParsedImport["source"], lookups: Lookups, actor: Actor | undefined): Promise<Outcome> {
  const [existing] = await tx.select().from(conventions).where(eq(conventions.sourceKey, entry.sourceKey));
  const aggregator = await aggregatorId(tx, entry, source, lookups);
  const category = existing && !categoryFor(entry, lookups) && existing.categoryId !== FALLBACK_CATEGORY.id ? existing.categoryId : await categoryId(tx, entry, lookups);
  const slug = existing?.slug ?? (await freeSlug(tx, `${slugify(entry.title, 60)}${entry.cig ? `-${entry.cig.toLowerCase()}` : `-${short(entry.sourceKey)}`}`));
  const parsed = ConventionSeed.safeParse({
    slug,
    aggregator,
    category,
    instrument: entry.instrument,
    title: entry.title,
    summary: entry.summary,
    description: entry.description,
    cig: entry.cig,
    status: entry.status,
    publishedOn: entry.publishedOn,
    startDate: entry.startDate,
    endDate: entry.endDate,
    ceiling: entry.ceiling,
    used: entry.used,
    example: entry.example,
    lots: entry.lots,
  } satisfies Partial<ConventionInput>);
  if (!parsed.success) throw new CatalogWriteError(zodLine(parsed.error.issues), "_form");
  const saved = await saveConvention(parsed.data, { tx, id: existing?.id, actor });
  const kept = {
    sourceName: source.name,
    sourceLicence: source.licence,
    sourceKey: entry.sourceKey,
    cpvCode: entry.cpvCode ?? null,
    delegated: entry.delegated ?? null,
    delegatingTaxCode: entry.delegatingTaxCode ?? null,
    programmeCui: entry.programmeCui ?? null,
  };
  const keptChanged = !existing || Object.entries(kept).some(([k, v]) => existing[k as keyof typeof existing] !== v);
  if (keptChanged) await tx.update(conventions).set(kept).where(eq(conventions.id, saved.id));
  if (saved.created) return "created";
  return saved.unchanged && !keptChanged ? "unchanged" : "updated";
}

async function writeCallOff(tx: Transaction, entry: ImportedCallOff, source: ParsedImport["source"]): Promise<Outcome> {
  const row = {
    cig: entry.cig,
    frameworkCig: entry.frameworkCig,
    title: entry.title,
    buyerName: entry.buyerName,
    buyerTaxCode: entry.buyerTaxCode ?? null,
    amount: entry.amount === undefined ? null : Math.round(entry.amount * 100),
    publishedOn: entry.publishedOn ?? null,
    cpvCode: entry.cpvCode ?? null,
    delegated: entry.delegated ?? null,
    delegatingTaxCode: entry.delegatingTaxCode ?? null,
    programmeCui: entry.programmeCui ?? null,
    sourceName: source.name,
    sourceLicence: source.licence,
  };
  const [existing] = await tx.select().from(frameworkCallOffs).where(eq(frameworkCallOffs.sourceKey, entry.sourceKey));
  if (!existing) {
    await tx.insert(frameworkCallOffs).values({ ...row, sourceKey: entry.sourceKey });
    return "created";
  }
  if (Object.entries(row).every(([k, v]) => existing[k as keyof typeof existing] === v)) return "unchanged";
  await tx.update(frameworkCallOffs).set({ ...row, updatedAt: new Date() }).where(eq(frameworkCallOffs.id, existing.id));
  return "updated";
}

function writeEntry(tx: Transaction, entry: ImportedEntry, parsed: ParsedImport, lookups: Lookups, actor: Actor | undefined): Promise<Outcome> {
  return entry.type === "instrument" ? writeInstrument(tx, entry, parsed.source, lookups, actor) : writeCallOff(tx, entry, parsed.source);
}

/** The reason a write failed, for the report (a refusal of the catalog names what is wrong; anything else is logged). */
function failureReason(error: unknown): string {
  if (error instanceof CatalogWriteError) return error.message;
  log("error", "catalog_import.write_failed", { error: errorMessage(error) });
  return `scrittura non riuscita: ${errorMessage(error)}`;
}

export interface ApplyContext {
  actor?: Actor;
  progress?: Progress;
  startedAt?: number;
}

export async function applyImport(parsed: ParsedImport, options: ImportOptions, ctx: ApplyContext = {}): Promise<ImportResult> {
  const started = ctx.startedAt ?? performance.now();
  const partial = options.partial === true || (parsed.format === "ocds" && options.lenient === true);
  const rejected: RowIssue[] = [...parsed.rejected];
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const result = (written: boolean, refusal?: string): ImportResult => ({
    format: parsed.format,
    source: parsed.source,
    read: parsed.read,
    ...counts,
    skipped: parsed.skipped,
    rejected,
    notes: parsed.notes,
    written,
    dryRun: options.dryRun === true,
    refusal,
    milliseconds: Math.round(performance.now() - started),
  });
  const allOrNothing = "nessuna modifica: una o più righe sono state scartate (con --partial si importano le altre)";
  if (!partial && rejected.length > 0) return result(false, allOrNothing);

  const lookups = await loadLookups();
  const db = await getDb();
  const total = parsed.entries.length;
  const entries = [...parsed.entries].sort((a, b) => (a.type === b.type ? 0 : a.type === "instrument" ? -1 : 1));
  let done = 0;
  const step = () => ctx.progress?.(++done, total, !partial);
  // Awaited: a write of the caller's own (the job's progress) must not overlap the import's transaction.
  await ctx.progress?.(0, total, false);
  await transactionsSettled();

  if (!partial) {
    try {
      await db.transaction(async (tx) => {
        for (const entry of entries) {
          try {
            counts[await writeEntry(tx, entry, parsed, lookups, ctx.actor)] += 1;
          } catch (error) {
            rejected.push({ where: entry.where, reason: failureReason(error) });
            // A refusal of the catalog ran no failing statement, so the other rows can still be checked;
            // after a failed statement the transaction may be unusable: stop, everything is rolled back.
            if (!(error instanceof CatalogWriteError)) throw new Rollback();
          }
          step();
        }
        if (rejected.length > parsed.rejected.length) throw new Rollback();
        if (ctx.actor) await recordImportAudit(tx, ctx.actor, parsed, counts);
        if (options.dryRun) throw new Rollback();
      });
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
      if (rejected.length > parsed.rejected.length) {
        counts.created = counts.updated = counts.unchanged = 0;
        return result(false, allOrNothing);
      }
      return result(false);
    }
  } else {
    for (const entry of entries) {
      try {
        await db.transaction(async (tx) => {
          counts[await writeEntry(tx, entry, parsed, lookups, ctx.actor)] += 1;
          if (options.dryRun) throw new Rollback();
        });
      } catch (error) {
        if (!(error instanceof Rollback)) rejected.push({ where: entry.where, reason: failureReason(error) });
      }
      await step();
    }
    if (ctx.actor && !options.dryRun) await db.transaction((tx) => recordImportAudit(tx, ctx.actor!, parsed, counts));
  }
  if (!options.dryRun && counts.created + counts.updated > 0) await refreshSearchStems(db);
  return result(!options.dryRun);
}

async function recordImportAudit(tx: Transaction, actor: Actor, parsed: ParsedImport, counts: Record<Outcome, number>) {
  await recordAudit(tx, actor, "catalog.import", { type: "import", id: parsed.format }, { source: parsed.source.name, read: parsed.read, ...counts });
}

/** Instruments a framework's call-offs point to, for tests and pages: the call-offs citing a CIG. */
export async function callOffsOf(cigs: string[]) {
  if (cigs.length === 0) return [];
  const db = await getDb();
  return db.select().from(frameworkCallOffs).where(inArray(frameworkCallOffs.frameworkCig, cigs)).orderBy(frameworkCallOffs.publishedOn, frameworkCallOffs.cig);
}

/**
 * For imports of items that are not instruments (a followed platform's plan items, src/interop/federation):
 * the aggregator an imported body is, found or created as for instruments.
 */
export async function importedAggregatorId(tx: Transaction, aggregator: ImportedInstrument["aggregator"], source: ParsedImport["source"]): Promise<string> {
  return aggregatorId(tx, { aggregator } as ImportedInstrument, source, await loadLookups());
}

/** The catalog category a CPV code (or a category name) chooses, as for instruments; null when none matches. */
export async function importedCategoryId(cpvCode: string | undefined, categoryName: string | undefined): Promise<string | null> {
  return categoryFor({ cpvCode, categoryName } as ImportedInstrument, await loadLookups());
}
