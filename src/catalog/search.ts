/**
 * The catalog's SQL: one builder shared by the catalog page, the open data,
 * the calendar and the alerts engine (`conventionMatchesQuery` runs the same
 * WHERE clause on one row), plus facets, relaxations and the comparison.
 * Parameters are parsed in params.ts.
 */
import { inArray, sql, type SQL } from "drizzle-orm";
import { conventionLots, type AggregatorKind, type ConventionStatus, type InstrumentType } from "@db/schema";
import { getDb } from "@/lib/db";
import { addDays, todayInItaly } from "@/lib/dates";
import { ensureSearchStems, toFtsMatch } from "./fts";
import { CONVENTION_STATUS_LABELS, INSTRUMENT_LABELS, NATIONAL_REGION, REGIONS } from "./labels";
import { CATALOG_PAGE_SIZE, type CatalogQuery, EXPIRING_DAYS, type SearchCode, defaultSort, searchCode } from "./params";
export interface LotSummary {
  conventionId: number;
  number: number;
  name: string;
  region: string;
  territory: string;
  supplier: string | null;
  ceilingValue: number | null;
  cig: string | null;
  usedValue: number | null;
  /** The lot's own status, or null when it follows the convention's (see `lotView`). */
  status: ConventionStatus | null;
  startDate: string | null;
  endDate: string | null;
}

/** A convention as listed in the catalog, open data and comparison. */
export interface ConventionSummary {
  id: number;
  slug: string;
  title: string;
  summary: string;
  status: ConventionStatus;
  instrumentType: InstrumentType;
  cig: string | null;
  publishedOn: string | null;
  startDate: string | null;
  endDate: string | null;
  ceilingValue: number | null;
  usedValue: number | null;
  orderingUrl: string | null;
  isExample: boolean;
  updatedAt: number;
  aggregator: { id: string; name: string; shortName: string; kind: AggregatorKind; region: string };
  category: { id: string; name: string };
  lots: LotSummary[];
  /** Distinct lot regions (or the aggregator's region when there are no lots). */
  regions: string[];
}

export interface SearchResult {
  items: ConventionSummary[];
  total: number;
  /** The page shown (the last one when the requested page was beyond it). */
  page: number;
  pageCount: number;
  /** Set when the requested page did not exist. */
  pageOutOfRange: boolean;
}

export interface SearchOptions {
  /** YYYY-MM-DD; defaults to today in Italy. */
  today?: string;
  /** Defaults to CATALOG_PAGE_SIZE; open data and the calendar ask for everything. */
  pageSize?: number;
}

/** The text of a query as FTS expressions, or null when it is a code (or absent). */
function textMatch(query: CatalogQuery): { any: string; exact: string } | null {
  if (!query.q || searchCode(query.q)) return null;
  return toFtsMatch(query.q);
}

/** The FTS hits of a query as a CTE, or nothing when there is no text. */
function hitsCte(query: CatalogQuery): { cte: SQL; join: SQL } {
  const match = textMatch(query);
  if (!match) return { cte: sql``, join: sql`` };
  return {
    // Column weights: title counts most, then summary, then the aggregator/lot text; the stems weigh
    // less than the words as typed. Documents where every word occurs as typed come first (`exact`).
    cte: sql`WITH hits AS MATERIALIZED (SELECT rowid AS id, bm25(conventions_fts, 10.0, 4.0, 1.0, 2.0, 5.0, 1.0) AS score,
      rowid IN (SELECT rowid FROM conventions_fts WHERE conventions_fts MATCH ${match.exact}) AS exact
      FROM conventions_fts WHERE conventions_fts MATCH ${match.any}) `,
    join: sql` JOIN hits ON hits.id = c.id`,
  };
}

/** Conventions under a CPV code (or its leading digits): by their category's codes, or by their own code (imported instruments). */
function cpvCondition(digits: string): SQL {
  return sql`(c.category_id IN (SELECT category_id FROM category_cpv_codes WHERE code LIKE ${`${digits}%`}) OR c.cpv_code LIKE ${`${digits}%`})`;
}

/** Conventions whose code matches a CPV code or CIG typed as the search text. */
function codeCondition(code: SearchCode): SQL {
  if (code.kind === "cpv") return cpvCondition(code.digits);
  return sql`upper(c.cig) = ${code.code}`;
}

/** Escapes LIKE wildcards in user text (with ESCAPE '\\'). */
function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

function whereClause(query: CatalogQuery, today: string): SQL {
  const parts: SQL[] = [sql`1 = 1`];
  const code = query.q ? searchCode(query.q) : null;
  if (code) parts.push(codeCondition(code));
  if (query.categoryId) parts.push(sql`c.category_id = ${query.categoryId}`);
  if (query.cpv) parts.push(cpvCondition(query.cpv.split("-")[0]!));
  if (query.instrumentType) parts.push(sql`c.instrument_type = ${query.instrumentType}`);
  if (query.aggregatorId) parts.push(sql`c.aggregator_id = ${query.aggregatorId}`);
  if (query.status) parts.push(sql`c.status = ${query.status}`);
  if (query.region) {
    // Available in a region: a lot there or a national lot; without lots, the aggregator's territory decides.
    const regions = query.region === NATIONAL_REGION ? [NATIONAL_REGION] : [query.region, NATIONAL_REGION];
    parts.push(sql`(EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id AND l.region IN ${regions})
      OR (NOT EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id) AND a.region IN ${regions}))`);
  }
  if (query.expiring) {
    parts.push(sql`c.status = 'active' AND c.end_date >= ${today} AND c.end_date <= ${addDays(today, EXPIRING_DAYS)}`);
  }
  if (query.supplier) {
    parts.push(sql`EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id AND l.supplier LIKE ${likeContains(query.supplier)} ESCAPE '\\')`);
  }
  if (query.startFrom) parts.push(sql`c.start_date >= ${query.startFrom}`);
  if (query.startTo) parts.push(sql`c.start_date <= ${query.startTo}`);
  if (query.endFrom) parts.push(sql`c.end_date >= ${query.endFrom}`);
  if (query.endTo) parts.push(sql`c.end_date <= ${query.endTo}`);
  return sql.join(parts, sql` AND `);
}

function orderClause(query: CatalogQuery): SQL {
  switch (query.sort) {
    case "rilevanza":
      return textMatch(query) ? sql`hits.exact DESC, hits.score, c.id DESC` : sql`coalesce(c.published_on, c.start_date) DESC, c.id DESC`;
    case "scadenza":
      return sql`c.end_date IS NULL, c.end_date, c.id`;
    case "titolo":
      return sql`c.title COLLATE NOCASE, c.id`;
    case "recenti":
      return sql`coalesce(c.published_on, c.start_date) DESC, c.id DESC`;
  }
}

interface Row {
  id: number;
  slug: string;
  title: string;
  summary: string;
  status: ConventionStatus;
  instrument_type: InstrumentType;
  cig: string | null;
  published_on: string | null;
  start_date: string | null;
  end_date: string | null;
  ceiling_value: number | null;
  used_value: number | null;
  ordering_url: string | null;
  is_example: number;
  updated_at: number;
  aggregator_id: string;
  aggregator_name: string;
  aggregator_short_name: string;
  aggregator_kind: AggregatorKind;
  aggregator_region: string;
  category_id: string;
  category_name: string;
}

const SELECT_COLUMNS = sql`c.id, c.slug, c.title, c.summary, c.status, c.instrument_type, c.cig, c.published_on,
  c.start_date, c.end_date, c.ceiling_value, c.used_value, c.ordering_url, c.is_example, c.updated_at,
  a.id AS aggregator_id, a.name AS aggregator_name, a.short_name AS aggregator_short_name, a.kind AS aggregator_kind,
  a.region AS aggregator_region, k.id AS category_id, k.name AS category_name`;

const FROM = sql`FROM conventions c JOIN aggregators a ON a.id = c.aggregator_id JOIN categories k ON k.id = c.category_id`;

/** The columns of a lot as pages show them (and as writes compare them). */
export const LOT_COLUMNS = {
  number: conventionLots.number,
  name: conventionLots.name,
  region: conventionLots.region,
  territory: conventionLots.territory,
  supplier: conventionLots.supplier,
  ceilingValue: conventionLots.ceilingValue,
  cig: conventionLots.cig,
  usedValue: conventionLots.usedValue,
  status: conventionLots.status,
  startDate: conventionLots.startDate,
  endDate: conventionLots.endDate,
};

/** Loads the lots of many conventions in one query and attaches them. */
async function withLots(rows: Row[]): Promise<ConventionSummary[]> {
  if (rows.length === 0) return [];
  const db = await getDb();
  const lots = await db
    .select({ conventionId: conventionLots.conventionId, ...LOT_COLUMNS })
    .from(conventionLots)
    .where(inArray(conventionLots.conventionId, rows.map((r) => r.id)))
    .orderBy(conventionLots.conventionId, conventionLots.number);
  const byConvention = new Map<number, LotSummary[]>();
  for (const lot of lots) {
    const list = byConvention.get(lot.conventionId) ?? [];
    list.push(lot);
    byConvention.set(lot.conventionId, list);
  }
  return rows.map((r) => {
    const ownLots = byConvention.get(r.id) ?? [];
    return {
      id: r.id,
      slug: r.slug,
      title: r.title,
      summary: r.summary,
      status: r.status,
      instrumentType: r.instrument_type,
      cig: r.cig,
      publishedOn: r.published_on,
      startDate: r.start_date,
      endDate: r.end_date,
      ceilingValue: r.ceiling_value,
      usedValue: r.used_value,
      orderingUrl: r.ordering_url,
      isExample: Boolean(r.is_example),
      updatedAt: Number(r.updated_at),
      aggregator: {
        id: r.aggregator_id,
        name: r.aggregator_name,
        shortName: r.aggregator_short_name,
        kind: r.aggregator_kind,
        region: r.aggregator_region,
      },
      category: { id: r.category_id, name: r.category_name },
      lots: ownLots,
      regions: ownLots.length > 0 ? [...new Set(ownLots.map((l) => l.region))] : [r.aggregator_region],
    };
  });
}

/**
 * Two steps: the ids of the page (with the total) from a narrow query, then
 * the columns of just those rows; sorting wide rows for a window count costs more.
 */
async function selectPage(query: CatalogQuery, today: string, limit: number, offset: number): Promise<{ rows: Row[]; total: number }> {
  const db = await getDb();
  const hits = hitsCte(query);
  const page = await db.all<{ id: number; total: number }>(sql`${hits.cte}SELECT c.id, count(*) OVER () AS total ${FROM}${hits.join}
    WHERE ${whereClause(query, today)} ORDER BY ${orderClause(query)} LIMIT ${limit} OFFSET ${offset}`);
  if (page.length === 0) return { rows: [], total: 0 };
  const ids = page.map((r) => r.id);
  const rows = await db.all<Row>(sql`SELECT ${SELECT_COLUMNS} ${FROM} WHERE c.id IN ${ids}`);
  const position = new Map(ids.map((id, i) => [id, i]));
  rows.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  return { rows, total: Number(page[0]!.total) };
}

async function countMatches(query: CatalogQuery, today: string): Promise<number> {
  const db = await getDb();
  const hits = hitsCte(query);
  const rows = await db.all<{ n: number }>(sql`${hits.cte}SELECT count(*) AS n ${FROM}${hits.join} WHERE ${whereClause(query, today)}`);
  return Number(rows[0]?.n ?? 0);
}

/** Runs a catalog search: one query for the page (with the total), one for its lots. */
export async function searchConventions(query: CatalogQuery, options: SearchOptions = {}): Promise<SearchResult> {
  if (textMatch(query)) await ensureSearchStems(await getDb());
  const today = options.today ?? todayInItaly();
  const pageSize = options.pageSize ?? CATALOG_PAGE_SIZE;
  let page = query.page;
  let { rows, total } = await selectPage(query, today, pageSize, (page - 1) * pageSize);
  let pageOutOfRange = false;
  if (rows.length === 0 && page > 1) {
    total = await countMatches(query, today);
    pageOutOfRange = true;
    page = Math.max(1, Math.ceil(total / pageSize));
    if (total > 0) ({ rows } = await selectPage(query, today, pageSize, (page - 1) * pageSize));
  }
  return { items: await withLots(rows), total, page, pageCount: Math.max(1, Math.ceil(total / pageSize)), pageOutOfRange };
}

/** Whether one convention is among the results of a search (alerts for a saved search). */
export async function conventionMatchesQuery(query: CatalogQuery, conventionId: number, options: { today?: string } = {}): Promise<boolean> {
  const db = await getDb();
  if (textMatch(query)) await ensureSearchStems(db);
  const hits = hitsCte(query);
  const rows = await db.all<{ one: number }>(sql`${hits.cte}SELECT 1 AS one ${FROM}${hits.join}
    WHERE ${whereClause(query, options.today ?? todayInItaly())} AND c.id = ${conventionId} LIMIT 1`);
  return rows.length > 0;
}

/** Conventions by id, in one query plus one for lots (other pages reuse the summary shape). */
export async function conventionSummaries(where: SQL, order: SQL = sql`c.status, c.end_date`): Promise<ConventionSummary[]> {
  const db = await getDb();
  const rows = await db.all<Row>(sql`SELECT ${SELECT_COLUMNS} ${FROM} WHERE ${where} ORDER BY ${order}`);
  return withLots(rows);
}

export interface Comparison {
  national: ConventionSummary[];
  regional: ConventionSummary[];
}

/**
 * The protocol's promise to buyers: for one category and one region, the
 * national instruments next to those of the aggregators of that region.
 */
export async function compareConventions(categoryId: string, region: string): Promise<Comparison> {
  const order = sql`CASE c.status WHEN 'active' THEN 0 WHEN 'tender_in_progress' THEN 1 WHEN 'planned' THEN 2 ELSE 3 END, c.end_date DESC`;
  const [national, regional] = await Promise.all([
    // National instruments whose lots (if any) cover the region: a lot for another region is no offer here.
    conventionSummaries(
      sql`c.category_id = ${categoryId} AND a.kind = 'national' AND (NOT EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id)
        OR EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id AND l.region IN ${[region, NATIONAL_REGION]}))`,
      order,
    ),
    conventionSummaries(
      sql`c.category_id = ${categoryId} AND a.kind <> 'national' AND (a.region = ${region}
        OR EXISTS (SELECT 1 FROM convention_lots l WHERE l.convention_id = c.id AND l.region = ${region}))`,
      order,
    ),
  ]);
  return { national, regional };
}

/** How many results each value of a facet would give, the other filters staying as they are. */
export interface CatalogFacets {
  categories: Map<string, number>;
  instruments: Map<InstrumentType, number>;
  aggregators: Map<string, number>;
  /** Per region (and NATIONAL_REGION), counted as the region filter counts: national instruments everywhere. */
  regions: Map<string, number>;
  statuses: Map<ConventionStatus, number>;
}

interface FacetRow {
  id: number;
  category_id: string;
  instrument_type: InstrumentType;
  aggregator_id: string;
  status: ConventionStatus;
  /** Where the convention is offered: a lot's region, or its aggregator's region when it has no lots. */
  region: string;
}

/** The matching conventions with the fields facets count, one row per convention and region. */
async function facetRows(query: CatalogQuery, today: string): Promise<FacetRow[]> {
  const db = await getDb();
  const hits = hitsCte(query);
  return db.all<FacetRow>(sql`${hits.cte}SELECT DISTINCT c.id, c.category_id, c.instrument_type, c.aggregator_id, c.status,
    coalesce(l.region, a.region) AS region ${FROM}${hits.join} LEFT JOIN convention_lots l ON l.convention_id = c.id
    WHERE ${whereClause(query, today)}`);
}

function countBy<K>(rows: FacetRow[], key: (r: FacetRow) => K): Map<K, number> {
  const seen = new Map<K, Set<number>>();
  for (const r of rows) {
    const k = key(r);
    seen.set(k, (seen.get(k) ?? new Set()).add(r.id));
  }
  return new Map([...seen].map(([k, ids]) => [k, ids.size]));
}

/** Per region, as the region filter counts: a convention offered nationally counts everywhere. */
function countRegions(rows: FacetRow[]): Map<string, number> {
  const byConvention = new Map<number, Set<string>>();
  for (const r of rows) byConvention.set(r.id, (byConvention.get(r.id) ?? new Set()).add(r.region));
  const counts = new Map<string, number>();
  for (const region of [NATIONAL_REGION, ...REGIONS]) {
    let n = 0;
    for (const regions of byConvention.values()) if (regions.has(region) || regions.has(NATIONAL_REGION)) n++;
    counts.set(region, n);
  }
  return counts;
}

/**
 * The facet counts of a search, each facet computed without its own filter.
 * Facets whose filter is not set share one query (a bare catalog needs one).
 */
export async function catalogFacets(query: CatalogQuery, options: { today?: string } = {}): Promise<CatalogFacets> {
  const today = options.today ?? todayInItaly();
  if (textMatch(query)) await ensureSearchStems(await getDb());
  let shared: Promise<FacetRow[]> | undefined;
  // A facet whose filter is set is counted without it; the others all count the search itself.
  const pick = (change: Partial<CatalogQuery>, isSet: unknown) =>
    isSet ? facetRows({ ...query, ...change }, today) : (shared ??= facetRows(query, today));
  const [categories, instruments, aggregators, regions, statuses] = await Promise.all([
    pick({ categoryId: undefined }, query.categoryId),
    pick({ instrumentType: undefined }, query.instrumentType),
    pick({ aggregatorId: undefined }, query.aggregatorId),
    pick({ region: undefined }, query.region),
    pick({ status: undefined }, query.status),
  ]);
  return {
    categories: countBy(categories, (r) => r.category_id),
    instruments: countBy(instruments, (r) => r.instrument_type),
    aggregators: countBy(aggregators, (r) => r.aggregator_id),
    regions: countRegions(regions),
    statuses: countBy(statuses, (r) => r.status),
  };
}

/** A way to widen a search that found nothing: the search without one filter, and what it would find. */
export interface Relaxation {
  /** Italian, e.g. "senza il filtro «Regione: Lazio»". */
  label: string;
  query: CatalogQuery;
  total: number;
}

/** The filters of a query, each as a label and the query without it. */
export function removableFilters(
  query: CatalogQuery,
  names: { category?: string; aggregator?: string } = {},
): { label: string; query: CatalogQuery }[] {
  const out: { label: string; query: CatalogQuery }[] = [];
  const without = (label: string, change: Partial<CatalogQuery>) => {
    const next: CatalogQuery = { ...query, ...change, page: 1 };
    next.sort = query.sort === defaultSort(query) ? defaultSort(next) : query.sort;
    if (next.sort === "rilevanza" && !next.q) next.sort = defaultSort(next);
    out.push({ label, query: next });
  };
  if (query.region) {
    without(query.region === NATIONAL_REGION ? "senza il filtro sul territorio nazionale" : `in tutte le regioni, non solo ${query.region}`, { region: undefined });
  }
  if (query.categoryId) without(`in tutte le categorie, non solo «${names.category ?? query.categoryId}»`, { categoryId: undefined });
  if (query.cpv) without(`senza il codice CPV ${query.cpv}`, { cpv: undefined });
  if (query.instrumentType) without(`con ogni tipo di strumento, non solo «${INSTRUMENT_LABELS[query.instrumentType]}»`, { instrumentType: undefined });
  if (query.aggregatorId) without(`di tutti i soggetti aggregatori, non solo «${names.aggregator ?? query.aggregatorId}»`, { aggregatorId: undefined });
  if (query.status) without(`in ogni stato, non solo «${CONVENTION_STATUS_LABELS[query.status]}»`, { status: undefined });
  if (query.expiring) without(`anche quelle non in scadenza entro ${EXPIRING_DAYS} giorni`, { expiring: undefined });
  if (query.supplier) without(`di ogni fornitore, non solo «${query.supplier}»`, { supplier: undefined });
  if (query.startFrom || query.startTo) without("con qualsiasi data di attivazione", { startFrom: undefined, startTo: undefined });
  if (query.endFrom || query.endTo) without("con qualsiasi data di scadenza", { endFrom: undefined, endTo: undefined });
  // The text alone is no filter to remove: without it and without filters, the suggestion would be "everything".
  if (query.q && out.length > 0) without(`senza il testo «${query.q}»`, { q: undefined });
  return out;
}

/** For a search that found nothing: each filter whose removal would find something, with how much. */
export async function relaxations(
  query: CatalogQuery,
  options: { today?: string; names?: { category?: string; aggregator?: string } } = {},
): Promise<Relaxation[]> {
  const today = options.today ?? todayInItaly();
  const candidates = removableFilters(query, options.names);
  const totals = await Promise.all(candidates.map((c) => countMatches(c.query, today)));
  return candidates.map((c, i) => ({ ...c, total: totals[i]! })).filter((r) => r.total > 0);
}

/** How many conventions a search finds. */
export async function countConventions(query: CatalogQuery, options: { today?: string } = {}): Promise<number> {
  if (textMatch(query)) await ensureSearchStems(await getDb());
  return countMatches(query, options.today ?? todayInItaly());
}
