/**
 * The catalog, the activity plans and the joint initiatives as OCDS 1.1.5
 * releases, release packages, record packages and JSON Lines. The mapping is
 * described in the README ("Interoperabilità"). One release per ocid: its id
 * carries the time of the last change, so a changed process gets a new release id.
 */
import { createHash } from "node:crypto";
import { eq, isNull, sql } from "drizzle-orm";
import { activityPlanItems, activityPlans, aggregators, categories, categoryCpvCodes } from "@db/schema";
import { NATIONAL_REGION } from "@/catalog/labels";
import { listInitiatives, type InitiativeSummary } from "@/catalog/read";
import { type CatalogQuery } from "@/catalog";
import { searchConventions, type ConventionSummary } from "@/catalog";
import { toFtsQuery } from "@/catalog/fts";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { absoluteUrl } from "@/lib/http";
import { SITE_NAME, SITE_TAGLINE } from "@/lib/site";
import { publishedExtensions } from "./extensions";

/** Largest number of conventions in one package; far above the catalog's size, it only bounds a runaway request. */
const PACKAGE_LIMIT = 10_000;

export const OCDS_VERSION = "1.1";
/** The licence of every package: CC BY 4.0 (the legal code, as OCDS recommends). */
export const OCDS_LICENSE = "https://creativecommons.org/licenses/by/4.0/legalcode";
/** The page that describes what is published, when, and how (the package's publicationPolicy). */
export const OCDS_POLICY_PATH = "/dati/ocds";

// The OCDS objects this module writes (a subset of the release schema, with the extensions used).
type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };
export type Release = { ocid: string; id: string; date: string; tag: string[]; [key: string]: Json | undefined };

export interface OcdsPackageMeta {
  uri: string;
  version: string;
  extensions: string[];
  publishedDate: string;
  publisher: { name: string; uri: string };
  license: string;
  publicationPolicy: string;
}

export interface ReleasePackage extends OcdsPackageMeta {
  releases: Release[];
}

export interface RecordPackage extends OcdsPackageMeta {
  records: { ocid: string; releases: Release[]; compiledRelease: Release }[];
}

/** The three kinds of process and their ocid segment. */
export function conventionOcid(id: number): string {
  return `${config().ocdsPrefix}-convenzione-${id}`;
}
export function planItemOcid(id: number): string {
  return `${config().ocdsPrefix}-piano-${id}`;
}
export function initiativeOcid(id: number): string {
  return `${config().ocdsPrefix}-iniziativa-${id}`;
}

// Built once: constructing an Intl formatter is costly.
const romeOffset = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Rome", timeZoneName: "longOffset" });

/** A calendar day in Italy as an RFC 3339 date-time: its first or last second, with Rome's offset on that day. */
export function italianDateTime(isoDate: string, end = false): string {
  const noon = new Date(`${isoDate}T12:00:00Z`);
  const name = romeOffset.formatToParts(noon).find((p) => p.type === "timeZoneName")?.value ?? "GMT+01:00";
  const offset = name === "GMT" ? "+00:00" : name.slice(3);
  return `${isoDate}T${end ? "23:59:59" : "00:00:00"}${offset}`;
}

/** Milliseconds as an RFC 3339 UTC date-time without fractions (HTTP dates have whole seconds). */
function utc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Release id: the ocid and the time of the last change, so it changes whenever the content does. */
function releaseId(ocid: string, ms: number): string {
  return `${ocid}-${utc(ms).replace(/[-:]/g, "")}`;
}

const euro = (cents: number | null): Json | undefined => (cents === null ? undefined : { amount: cents / 100, currency: "EUR" });

/** Drops undefined members and empty objects/arrays, so optional fields are absent rather than null. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune).filter((v) => v !== undefined) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const pruned = prune(v);
      if (pruned && typeof pruned === "object" && Object.keys(pruned).length === 0) continue;
      out[k] = pruned;
    }
    return out as T;
  }
  return value;
}

type AggregatorRow = typeof aggregators.$inferSelect;

interface Context {
  aggregators: Map<string, AggregatorRow>;
  cpv: Map<string, { code: string; label: string }[]>;
  categoryNames: Map<string, string>;
}

async function loadContext(): Promise<Context> {
  const db = await getDb();
  const [aggregatorRows, cpvRows, categoryRows] = await Promise.all([
    db.select().from(aggregators),
    db.select().from(categoryCpvCodes).orderBy(categoryCpvCodes.categoryId, categoryCpvCodes.code),
    db.select({ id: categories.id, name: categories.name }).from(categories),
  ]);
  const cpv = new Map<string, { code: string; label: string }[]>();
  for (const row of cpvRows) cpv.set(row.categoryId, [...(cpv.get(row.categoryId) ?? []), { code: row.code, label: row.label }]);
  return {
    aggregators: new Map(aggregatorRows.map((a) => [a.id, a])),
    cpv,
    categoryNames: new Map(categoryRows.map((c) => [c.id, c.name])),
  };
}

/** Party id of an aggregator: its slug, stable across the instance. */
const aggregatorPartyId = (id: string) => `soggetto-aggregatore-${id}`;
const supplierPartyId = (name: string) =>
  `fornitore-${createHash("sha256").update(name.trim().toLowerCase()).digest("hex").slice(0, 12)}`;

/** The aggregator as party: it manages the procurement (procuringEntity) and buys for others (wholesaleBuyer, OCDS 1.2 draft). */
function aggregatorParty(a: AggregatorRow): Json {
  return prune({
    id: aggregatorPartyId(a.id),
    name: a.name,
    address: { streetAddress: a.address ?? undefined, region: a.region === NATIONAL_REGION ? undefined : a.region, countryName: "Italia" },
    contactPoint: { email: a.email ?? undefined, telephone: a.phone ?? undefined, url: a.website ?? undefined },
    roles: ["procuringEntity", "wholesaleBuyer"],
  }) as Json;
}

/** The category as one item with its CPV codes: the first is the classification, the others additional. */
function categoryItems(ctx: Context, categoryId: string | null): Json | undefined {
  if (!categoryId) return undefined;
  const codes = ctx.cpv.get(categoryId) ?? [];
  const name = ctx.categoryNames.get(categoryId) ?? categoryId;
  const classification = (c: { code: string; label: string }) => ({ scheme: "CPV", id: c.code, description: c.label, uri: `https://ted.europa.eu/cpv/${c.code}` });
  return [
    prune({
      id: "1",
      description: name,
      classification: codes[0] ? classification(codes[0]) : undefined,
      additionalClassifications: codes.slice(1).map(classification),
    }),
  ] as Json;
}

/** Framework agreements and conventions are framework processes; an SDA is a dynamic purchasing system. */
function techniques(type: string | null, ceiling: number | null, used: number | null, buyerCategories: string, period?: Json): Json | undefined {
  if (type === "sda") return { hasDynamicPurchasingSystem: true };
  if (type !== "convenzione" && type !== "accordo_quadro") return undefined;
  const share = ceiling !== null && used !== null && ceiling > 0 ? Math.round((used / ceiling) * 10_000) / 10_000 : undefined;
  return prune({
    hasFrameworkAgreement: true,
    frameworkAgreement: { value: euro(ceiling), usedValue: euro(used), usedShare: share, buyerCategories, period },
  }) as Json;
}

const TENDER_STATUS: Record<ConventionSummary["status"], string> = {
  planned: "planned",
  tender_in_progress: "active",
  active: "complete",
  exhausted: "complete",
  expired: "complete",
};

function buyerCategories(a: AggregatorRow): string {
  return a.kind === "national" ? "Pubbliche amministrazioni di tutto il territorio nazionale" : `Pubbliche amministrazioni del territorio servito: ${a.territory}`;
}

interface Links {
  /** ocid of the convention → related processes (planning items, joint initiatives). */
  related: Map<string, Json[]>;
}

function conventionRelease(c: ConventionSummary, ctx: Context, links: Links): Release {
  const ocid = conventionOcid(c.id);
  const aggregator = ctx.aggregators.get(c.aggregator.id)!;
  const period = c.startDate || c.endDate ? { startDate: c.startDate ? italianDateTime(c.startDate) : undefined, endDate: c.endDate ? italianDateTime(c.endDate, true) : undefined } : undefined;
  const suppliers = new Map<string, string>();
  for (const lot of c.lots) if (lot.supplier) suppliers.set(supplierPartyId(lot.supplier), lot.supplier);
  const awarded = c.status !== "planned" && c.status !== "tender_in_progress" && suppliers.size > 0;
  // A lot with its own dates has its own contract period; otherwise the convention's applies.
  const lotPeriod = (l: ConventionSummary["lots"][number]) =>
    l.startDate || l.endDate
      ? { startDate: italianDateTime(l.startDate ?? c.startDate ?? l.endDate!), endDate: (l.endDate ?? c.endDate) ? italianDateTime((l.endDate ?? c.endDate)!, true) : undefined }
      : undefined;
  const release = {
    ocid,
    id: releaseId(ocid, c.updatedAt),
    date: utc(c.updatedAt),
    tag: c.status === "planned" ? ["planning"] : awarded ? ["tender", "award"] : ["tender"],
    initiationType: "tender",
    language: "it",
    example: c.isExample,
    parties: [aggregatorParty(aggregator), ...[...suppliers].map(([id, name]) => ({ id, name, roles: ["supplier"] }))],
    tender: {
      id: c.cig ?? `convenzione-${c.id}`,
      title: c.title,
      description: c.summary || undefined,
      status: TENDER_STATUS[c.status],
      procuringEntity: { id: aggregatorPartyId(aggregator.id), name: aggregator.name },
      value: euro(c.ceilingValue),
      items: categoryItems(ctx, c.category.id),
      tenderPeriod: c.publishedOn ? { startDate: italianDateTime(c.publishedOn) } : undefined,
      contractPeriod: period,
      techniques: techniques(c.instrumentType, c.ceilingValue, c.usedValue, buyerCategories(aggregator), period),
      lots: c.lots.map((l) => ({
        id: String(l.number),
        title: l.name,
        description: [l.region, l.territory].filter(Boolean).join(" – "),
        status: TENDER_STATUS[l.status ?? c.status],
        value: euro(l.ceilingValue),
        contractPeriod: lotPeriod(l),
      })),
      documents: [
        { id: "pagina", title: `Scheda su ${SITE_NAME}`, url: absoluteUrl(`/convenzioni/${c.slug}`), format: "text/html", language: "it" },
        c.orderingUrl ? { id: "ordini", title: "Piattaforma per gli ordinativi", url: c.orderingUrl, format: "text/html", language: "it" } : undefined,
      ],
    },
    awards: awarded
      ? c.lots
          .filter((l) => l.supplier)
          .map((l) => ({
            id: `lotto-${l.number}`,
            title: l.name,
            status: "active",
            suppliers: [{ id: supplierPartyId(l.supplier!), name: l.supplier! }],
            value: euro(l.ceilingValue),
            contractPeriod: period,
            relatedLots: [String(l.number)],
          }))
      : undefined,
    relatedProcesses: links.related.get(ocid),
  };
  return prune(release) as unknown as Release;
}

interface PlanItemRow {
  id: number;
  title: string;
  categoryId: string | null;
  instrumentType: ConventionSummary["instrumentType"] | null;
  expectedPeriod: string | null;
  estimatedValue: number | null;
  conventionId: number | null;
  updatedAt: Date | null;
  year: number;
  aggregatorId: string;
  isExample: boolean;
}

/** "2026-T2" → the second quarter of 2026, "2027-S1" → the first half, "2026" → the year; anything else → none. */
export function expectedPeriod(value: string | null, year: number): { startDate: string; endDate: string } | undefined {
  const match = /^(\d{4})(?:-([TS])([1-4]))?$/.exec(value ?? String(year));
  if (!match) return undefined;
  const y = Number(match[1]);
  const [months, index] = match[2] === "T" ? [3, Number(match[3])] : match[2] === "S" ? [6, Number(match[3])] : [12, 1];
  if (months * index > 12) return undefined;
  const first = months * (index - 1) + 1;
  const last = months * index;
  const lastDay = new Date(Date.UTC(y, last, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, "0");
  return { startDate: italianDateTime(`${y}-${pad(first)}-01`), endDate: italianDateTime(`${y}-${pad(last)}-${pad(lastDay)}`, true) };
}

/** A plan item is a planning release: the process is planned, nothing is published yet. */
function planItemRelease(item: PlanItemRow, ctx: Context, links: Links): Release {
  const ocid = planItemOcid(item.id);
  const aggregator = ctx.aggregators.get(item.aggregatorId)!;
  const changed = item.updatedAt?.getTime() ?? Date.UTC(item.year, 0, 1);
  return prune({
    ocid,
    id: releaseId(ocid, changed),
    date: utc(changed),
    tag: ["planning"],
    initiationType: "tender",
    language: "it",
    example: item.isExample,
    parties: [aggregatorParty(aggregator)],
    planning: { rationale: `Voce del piano delle attività ${item.year} di ${aggregator.name}.` },
    tender: {
      id: `piano-${item.id}`,
      title: item.title,
      status: "planned",
      procuringEntity: { id: aggregatorPartyId(aggregator.id), name: aggregator.name },
      value: euro(item.estimatedValue),
      items: categoryItems(ctx, item.categoryId),
      tenderPeriod: expectedPeriod(item.expectedPeriod, item.year),
      techniques: techniques(item.instrumentType, item.estimatedValue, null, buyerCategories(aggregator)),
      documents: [{ id: "piano", title: `Piano delle attività ${item.year}`, url: absoluteUrl(`/piani-attivita?anno=${item.year}#piano-${aggregator.id}`), format: "text/html", language: "it" }],
    },
    relatedProcesses: links.related.get(ocid),
  }) as unknown as Release;
}

const INITIATIVE_STATUS: Record<InitiativeSummary["stage"], string> = {
  proposed: "planning",
  planning: "planning",
  tender: "active",
  active: "complete",
  completed: "complete",
};

/** A joint initiative is a process of its own; the conventions and plan items it groups point to it as their parent. */
function initiativeRelease(initiative: InitiativeSummary & { updatedAt: number }, ctx: Context): Release {
  const ocid = initiativeOcid(initiative.id);
  const partners = initiative.partners.map((p) => ctx.aggregators.get(p.id)!).filter(Boolean);
  const planning = initiative.stage === "proposed" || initiative.stage === "planning";
  const period =
    initiative.startDate || initiative.endDate
      ? { startDate: initiative.startDate ? italianDateTime(initiative.startDate) : undefined, endDate: initiative.endDate ? italianDateTime(initiative.endDate, true) : undefined }
      : undefined;
  return prune({
    ocid,
    id: releaseId(ocid, initiative.updatedAt),
    date: utc(initiative.updatedAt),
    tag: [planning ? "planning" : "tender"],
    initiationType: "tender",
    language: "it",
    example: initiative.isExample,
    parties: partners.map(aggregatorParty),
    planning: planning ? { rationale: initiative.summary || undefined } : undefined,
    tender: {
      id: `iniziativa-${initiative.id}`,
      title: initiative.title,
      description: initiative.summary || undefined,
      status: INITIATIVE_STATUS[initiative.stage],
      items: categoryItems(ctx, initiative.category?.id ?? null),
      contractPeriod: period,
      documents: [{ id: "pagina", title: `Scheda su ${SITE_NAME}`, url: absoluteUrl(`/iniziative-congiunte/${initiative.slug}`), format: "text/html", language: "it" }],
    },
  }) as unknown as Release;
}

async function planItems(): Promise<PlanItemRow[]> {
  const db = await getDb();
  return db
    .select({
      id: activityPlanItems.id,
      title: activityPlanItems.title,
      categoryId: activityPlanItems.categoryId,
      instrumentType: activityPlanItems.instrumentType,
      expectedPeriod: activityPlanItems.expectedPeriod,
      estimatedValue: activityPlanItems.estimatedValue,
      conventionId: activityPlanItems.conventionId,
      updatedAt: activityPlanItems.updatedAt,
      year: activityPlans.year,
      aggregatorId: activityPlans.aggregatorId,
      isExample: activityPlans.isExample,
    })
    .from(activityPlanItems)
    .innerJoin(activityPlans, eq(activityPlans.id, activityPlanItems.planId))
    // Items followed from another platform are that platform's to publish (src/interop/federation).
    .where(isNull(activityPlanItems.sourceKey))
    .orderBy(activityPlans.year, activityPlans.aggregatorId, activityPlanItems.id);
}

async function initiativesWithDates(): Promise<(InitiativeSummary & { updatedAt: number })[]> {
  const db = await getDb();
  const list = await listInitiatives();
  if (list.length === 0) return [];
  const rows = await db.all<{ id: number; updated_at: number }>(sql`SELECT id, updated_at FROM joint_initiatives WHERE id IN ${list.map((i) => i.id)}`);
  const dates = new Map(rows.map((r) => [Number(r.id), Number(r.updated_at)]));
  return list.map((i) => ({ ...i, updatedAt: dates.get(i.id) ?? 0 }));
}

const normalise = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/**
 * Whether a plan item or an initiative satisfies the catalog filters: the same
 * parameters, read on what these processes have (no lots, no end date).
 */
function matchesQuery(
  query: CatalogQuery,
  ctx: Context,
  p: { title: string; categoryId: string | null; aggregatorIds: string[]; instrumentType: string | null; planned: boolean },
): boolean {
  if (query.expiring) return false;
  if (query.status && !(query.status === "planned" && p.planned)) return false;
  if (query.instrumentType && p.instrumentType !== query.instrumentType) return false;
  if (query.categoryId && p.categoryId !== query.categoryId) return false;
  if (query.aggregatorId && !p.aggregatorIds.includes(query.aggregatorId)) return false;
  if (query.cpv) {
    const digits = query.cpv.split("-")[0]!;
    if (!p.categoryId || !(ctx.cpv.get(p.categoryId) ?? []).some((c) => c.code.startsWith(digits))) return false;
  }
  if (query.region) {
    const regions = query.region === NATIONAL_REGION ? [NATIONAL_REGION] : [query.region, NATIONAL_REGION];
    if (!p.aggregatorIds.some((id) => regions.includes(ctx.aggregators.get(id)?.region ?? ""))) return false;
  }
  if (query.q && toFtsQuery(query.q) !== null) {
    const title = normalise(p.title);
    const words = normalise(query.q).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 1);
    if (!words.every((w) => title.includes(w))) return false;
  }
  return true;
}

/** Conventions followed from another platform (src/interop/federation): that platform publishes them, this one does not again. */
async function followedConventionIds(): Promise<Set<number>> {
  const db = await getDb();
  const rows = await db.all<{ id: number }>(sql`SELECT id FROM conventions WHERE source_key LIKE 'federation:%'`);
  return new Set(rows.map((r) => Number(r.id)));
}

/** Every release matching the catalog query: conventions first, then plan items, then joint initiatives. */
export async function ocdsReleases(query: CatalogQuery, options: { today?: string } = {}): Promise<Release[]> {
  const [ctx, searched, items, initiatives, followed] = await Promise.all([
    loadContext(),
    searchConventions({ ...query, page: 1 }, { pageSize: PACKAGE_LIMIT, today: options.today }),
    planItems(),
    initiativesWithDates(),
    followedConventionIds(),
  ]);
  const result = { ...searched, items: searched.items.filter((c) => !followed.has(c.id)) };
  const plannedItems = items.filter((i) =>
    matchesQuery(query, ctx, { title: i.title, categoryId: i.categoryId, aggregatorIds: [i.aggregatorId], instrumentType: i.instrumentType, planned: true }),
  );
  const shownInitiatives = initiatives.filter((i) =>
    matchesQuery(query, ctx, {
      title: i.title,
      categoryId: i.category?.id ?? null,
      aggregatorIds: i.partners.map((p) => p.id),
      instrumentType: null,
      planned: i.stage === "proposed" || i.stage === "planning",
    }),
  );

  // relatedProcesses: a convention points to the plan item that announced it (planning) and to the joint
  // initiative whose partner issued it in the initiative's category (parent); a plan item to its initiative too.
  const related = new Map<string, Json[]>();
  const add = (ocid: string, link: Json) => related.set(ocid, [...(related.get(ocid) ?? []), link]);
  const link = (id: string, relationship: string, title: string): Json => ({ id, relationship: [relationship], title, scheme: "ocid", identifier: id });
  const conventionTitles = new Map(result.items.map((c) => [c.id, c.title]));
  for (const item of items) {
    if (item.conventionId !== null && conventionTitles.has(item.conventionId)) add(conventionOcid(item.conventionId), link(planItemOcid(item.id), "planning", item.title));
  }
  for (const initiative of initiatives) {
    if (!initiative.category) continue;
    const partners = new Set(initiative.partners.map((p) => p.id));
    const parent = link(initiativeOcid(initiative.id), "parent", initiative.title);
    for (const c of result.items) if (c.category.id === initiative.category.id && partners.has(c.aggregator.id)) add(conventionOcid(c.id), parent);
    for (const i of items) if (i.categoryId === initiative.category.id && partners.has(i.aggregatorId)) add(planItemOcid(i.id), parent);
  }
  const links = { related };
  return [
    ...result.items.map((c) => conventionRelease(c, ctx, links)),
    ...plannedItems.map((i) => planItemRelease(i, ctx, links)),
    ...shownInitiatives.map((i) => initiativeRelease(i, ctx)),
  ];
}

/** The latest release date, or the epoch for an empty package. */
export function lastChange(releases: Release[]): string {
  return releases.reduce((latest, r) => (r.date > latest ? r.date : latest), "1970-01-01T00:00:00Z");
}

function packageMeta(uri: string, releases: Release[]): OcdsPackageMeta {
  return {
    uri,
    version: OCDS_VERSION,
    extensions: publishedExtensions().map((e) => e.url),
    // Generated on demand: the date of the last change to the contents, so an unchanged package is byte-identical.
    publishedDate: lastChange(releases),
    publisher: { name: `${SITE_NAME} – ${SITE_TAGLINE}`, uri: absoluteUrl("/") },
    license: OCDS_LICENSE,
    publicationPolicy: absoluteUrl(OCDS_POLICY_PATH),
  };
}

export function releasePackage(uri: string, releases: Release[]): ReleasePackage {
  return { ...packageMeta(uri, releases), releases };
}

/** One record per ocid, with its (only) release embedded and the compiled release. */
export function recordPackage(uri: string, releases: Release[]): RecordPackage {
  const byOcid = new Map<string, Release[]>();
  for (const r of releases) byOcid.set(r.ocid, [...(byOcid.get(r.ocid) ?? []), r]);
  const records = [...byOcid].map(([ocid, list]) => {
    const latest = list.reduce((a, b) => (b.date > a.date ? b : a));
    return { ocid, releases: list, compiledRelease: { ...latest, id: `${latest.id}-compiled`, tag: ["compiled"] } };
  });
  return { ...packageMeta(uri, releases), records };
}

/** JSON Lines: one release per line, for consumers that stream large files. */
export function releasesJsonLines(releases: Release[]): string {
  return releases.map((r) => JSON.stringify(r)).join("\n") + (releases.length ? "\n" : "");
}
