/**
 * The operations of the read API: path, parameters and response schema (from
 * schemas.ts) and the function that answers. The router and the OpenAPI
 * document both read this one table.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { categories, categoryCpvCodes, pressReleases } from "@db/schema";
import { getPlansPage, listAggregators, listInitiatives } from "@/catalog/read";
import { parseCatalogQuery } from "@/catalog";
import { conventionSummaries, lotViews, searchConventions, type ConventionSummary } from "@/catalog";
import { todayInItaly } from "@/lib/dates";
import { currentVersions } from "@/learning/courses";
import { getDb } from "@/lib/db";
import { absoluteUrl } from "@/lib/http";
import { conventionOcid, initiativeOcid, planItemOcid } from "@/interop/ocds/publish";
import * as S from "./schemas";

const euro = (cents: number | null) => (cents === null ? null : cents / 100);

/** What an operation answers: a JSON body, or null for "not found". */
export type Outcome = { body: unknown } | null;

export interface Operation {
  id: string;
  /** OpenAPI path template, e.g. /convenzioni/{slug}. */
  path: string;
  tag: string;
  summary: string;
  description: string;
  query: z.ZodObject;
  pathParams?: z.ZodObject;
  response: z.ZodType;
  /** Example query string for the documentation page and the contract test. */
  example?: string;
  run(input: { query: Record<string, unknown>; path: Record<string, string>; url: URL }): Promise<Outcome>;
}

/** Opaque cursor: the key of the last item of the page (keyset pagination on a stable key). */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key })).toString("base64url");
}

export class BadCursorError extends Error {}

function decodeCursor(cursor: string | undefined): string | number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { k?: unknown };
    if (typeof parsed.k === "string" || typeof parsed.k === "number") return parsed.k;
  } catch {
    // fall through
  }
  throw new BadCursorError();
}

/** One page after the cursor, of items sorted by a stable key. */
function paginate<T>(items: T[], key: (item: T) => string | number, query: Record<string, unknown>, url: URL) {
  const after = decodeCursor(query.cursore as string | undefined);
  const limit = query.limite as number;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const start = after === undefined ? 0 : sorted.findIndex((item) => key(item) > after);
  const data = start < 0 ? [] : sorted.slice(start, start + limit);
  const more = start >= 0 && start + limit < sorted.length;
  const next = more ? encodeCursor(key(data[data.length - 1]!)) : null;
  let nextUrl: string | null = null;
  if (next) {
    const params = new URLSearchParams(url.search);
    params.set("cursore", next);
    nextUrl = absoluteUrl(`${url.pathname}?${params}`);
  }
  return { data, next, nextUrl };
}

function conventionView(c: ConventionSummary): z.infer<typeof S.Convention> {
  return {
    id: c.id,
    slug: c.slug,
    url: absoluteUrl(`/convenzioni/${c.slug}`),
    ocid: conventionOcid(c.id),
    title: c.title,
    summary: c.summary,
    instrumentType: c.instrumentType,
    status: c.status,
    cig: c.cig,
    publishedOn: c.publishedOn,
    startDate: c.startDate,
    endDate: c.endDate,
    ceilingEuro: euro(c.ceilingValue),
    usedEuro: euro(c.usedValue),
    orderingUrl: c.orderingUrl,
    isExample: c.isExample,
    updatedAt: new Date(c.updatedAt).toISOString(),
    aggregator: { id: c.aggregator.id, name: c.aggregator.name },
    category: c.category,
    regions: c.regions,
    lots: lotViews(c, todayInItaly()).map((l) => ({
      number: l.number,
      name: l.name,
      region: l.region,
      territory: l.territory,
      supplier: l.supplier,
      ceilingEuro: euro(l.ceilingValue),
      cig: l.cig,
      usedEuro: euro(l.usedValue),
      status: l.status,
      startDate: l.startDate,
      endDate: l.endDate,
      url: absoluteUrl(l.path),
    })),
  };
}

/** The catalog's filters, passed through the catalog's own parser (src/catalog/params.ts). */
async function conventionsMatching(query: Record<string, unknown>) {
  const params = new URLSearchParams();
  for (const name of ["q", "categoria", "cpv", "tipo", "soggetto", "regione", "stato", "scadenza"]) {
    if (query[name] !== undefined) params.set(name, String(query[name]));
  }
  const parsed = parseCatalogQuery(params);
  const result = await searchConventions({ ...parsed.query, page: 1 }, { pageSize: 10_000 });
  return result.items;
}

async function aggregatorViews() {
  const db = await getDb();
  const [list, details] = await Promise.all([listAggregators(), db.query.aggregators.findMany()]);
  const byId = new Map(details.map((a) => [a.id, a]));
  return list.map((a): z.infer<typeof S.Aggregator> => {
    const d = byId.get(a.id)!;
    return {
      id: a.id,
      url: absoluteUrl(`/soggetti-aggregatori/${a.id}`),
      name: a.name,
      shortName: a.shortName,
      kind: a.kind,
      region: a.region,
      territory: a.territory,
      website: d.website,
      email: d.email,
      phone: d.phone,
      address: d.address,
      description: d.description,
      isExample: a.isExample,
      conventionCount: Number(a.conventionCount),
    };
  });
}

async function planViews(year: number | undefined, aggregatorId: string | undefined) {
  const { years } = await getPlansPage(undefined);
  const wanted = year === undefined ? years : years.filter((y) => y === year);
  const pages = await Promise.all(wanted.map((y) => getPlansPage(y)));
  return pages
    .flatMap((p) => p.plans)
    .filter((p) => !aggregatorId || p.aggregator.id === aggregatorId)
    .map(
      (p): z.infer<typeof S.Plan> => ({
        id: p.id,
        year: p.year,
        url: absoluteUrl(`/piani-attivita?anno=${p.year}#piano-${p.aggregator.id}`),
        notes: p.notes,
        isExample: p.isExample,
        aggregator: { id: p.aggregator.id, name: p.aggregator.name },
        items: p.items.map((i) => ({
          id: i.id,
          // A followed item keeps its source's ocid (its source key is "federation:<peer>|<ocid>").
          ocid: i.sourceKey ? i.sourceKey.slice(i.sourceKey.indexOf("|") + 1) : planItemOcid(i.id),
          title: i.title,
          instrumentType: i.instrumentType,
          expectedPeriod: i.expectedPeriod,
          estimatedEuro: euro(i.estimatedValue),
          category: i.category,
          convention: i.convention,
          source: i.sourceName,
        })),
      }),
    );
}

export const OPERATIONS: Operation[] = [
  {
    id: "listConventions",
    path: "/convenzioni",
    tag: "Catalogo",
    summary: "Convenzioni e altri strumenti, con i lotti / Conventions and other instruments, with their lots",
    description: "Gli stessi filtri del catalogo /convenzioni; ordinati per id. / The catalog's filters; ordered by id.",
    query: S.ConventionsQuery,
    response: S.pageOf(S.Convention),
    example: "stato=attiva&limite=5",
    async run({ query, url }) {
      return { body: paginate((await conventionsMatching(query)).map(conventionView), (c) => c.id, query, url) };
    },
  },
  {
    id: "getConvention",
    path: "/convenzioni/{slug}",
    tag: "Catalogo",
    summary: "Una convenzione con i suoi lotti / One convention with its lots",
    description: "Lo slug è la parte finale dell'indirizzo della scheda. / The slug is the last part of its page's address.",
    query: S.NoQuery,
    pathParams: S.SlugPath,
    response: S.Convention,
    async run({ path }) {
      const db = await getDb();
      const row = await db.query.conventions.findFirst({ where: (c, { eq }) => eq(c.slug, path.slug!), columns: { id: true } });
      if (!row) return null;
      const [summary] = await conventionSummaries(sql`c.id = ${row.id}`);
      return summary ? { body: conventionView(summary) } : null;
    },
  },
  {
    id: "listAggregators",
    path: "/soggetti-aggregatori",
    tag: "Catalogo",
    summary: "Soggetti aggregatori / Central purchasing bodies",
    description: "Ordinati per id. / Ordered by id.",
    query: S.PagingQuery,
    response: S.pageOf(S.Aggregator),
    async run({ query, url }) {
      return { body: paginate(await aggregatorViews(), (a) => a.id, query, url) };
    },
  },
  {
    id: "getAggregator",
    path: "/soggetti-aggregatori/{id}",
    tag: "Catalogo",
    summary: "Un soggetto aggregatore / One central purchasing body",
    description: "",
    query: S.NoQuery,
    pathParams: S.IdPath,
    response: S.Aggregator,
    async run({ path }) {
      const found = (await aggregatorViews()).find((a) => a.id === path.id);
      return found ? { body: found } : null;
    },
  },
  {
    id: "listCategories",
    path: "/categorie",
    tag: "Catalogo",
    summary: "Categorie merceologiche con i codici CPV / Categories with their CPV codes",
    description: "Ordinate per id. / Ordered by id.",
    query: S.PagingQuery,
    response: S.pageOf(S.Category),
    async run({ query, url }) {
      const db = await getDb();
      const [rows, codes] = await Promise.all([db.select().from(categories), db.select().from(categoryCpvCodes).orderBy(categoryCpvCodes.code)]);
      const list = rows.map((c) => ({
        id: c.id,
        name: c.name,
        description: c.description,
        cpv: codes.filter((k) => k.categoryId === c.id).map((k) => ({ code: k.code, label: k.label })),
      }));
      return { body: paginate(list, (c) => c.id, query, url) };
    },
  },
  {
    id: "listPlans",
    path: "/piani",
    tag: "Piani e iniziative",
    summary: "Piani di attività con le loro voci / Activity plans with their items",
    description: "Ordinati per id. / Ordered by id.",
    query: S.PlansQuery,
    response: S.pageOf(S.Plan),
    example: "anno=2026",
    async run({ query, url }) {
      return { body: paginate(await planViews(query.anno as number | undefined, query.soggetto as string | undefined), (p) => p.id, query, url) };
    },
  },
  {
    id: "listJointInitiatives",
    path: "/iniziative-congiunte",
    tag: "Piani e iniziative",
    summary: "Iniziative congiunte tra soggetti aggregatori / Joint initiatives",
    description: "Ordinate per id. / Ordered by id.",
    query: S.PagingQuery,
    response: S.pageOf(S.Initiative),
    async run({ query, url }) {
      const list = (await listInitiatives()).map(
        (i): z.infer<typeof S.Initiative> => ({
          id: i.id,
          slug: i.slug,
          url: absoluteUrl(`/iniziative-congiunte/${i.slug}`),
          ocid: initiativeOcid(i.id),
          title: i.title,
          summary: i.summary,
          stage: i.stage,
          startDate: i.startDate,
          endDate: i.endDate,
          isExample: i.isExample,
          category: i.category,
          partners: i.partners.map((p) => ({ id: p.id, name: p.name })),
        }),
      );
      return { body: paginate(list, (i) => i.id, query, url) };
    },
  },
  {
    id: "listPressReleases",
    path: "/comunicati",
    tag: "Sala stampa",
    summary: "Comunicati e notizie pubblicati / Published press releases and news",
    description: "Solo quelli pubblicati; ordinati per id. / Published ones only; ordered by id.",
    query: S.PagingQuery,
    response: S.pageOf(S.PressRelease),
    async run({ query, url }) {
      const db = await getDb();
      const rows = await db
        .select({
          id: pressReleases.id,
          slug: pressReleases.slug,
          kind: pressReleases.kind,
          title: pressReleases.title,
          summary: pressReleases.summary,
          publishedAt: pressReleases.publishedAt,
          isExample: pressReleases.isExample,
        })
        .from(pressReleases)
        .where(and(eq(pressReleases.status, "published")))
        .orderBy(desc(pressReleases.id));
      const list = rows.map((r) => ({ ...r, url: absoluteUrl(`/sala-stampa/${r.slug}`), publishedAt: r.publishedAt ? r.publishedAt.toISOString() : null }));
      return { body: paginate(list, (r) => r.id, query, url) };
    },
  },
  {
    id: "listCourses",
    path: "/corsi",
    tag: "Formazione",
    summary: "Corsi di formazione / E-learning courses",
    description: "Struttura pubblica dei corsi (senza le risposte dei quiz); ordinati per slug. / Public structure (no quiz answers); ordered by slug.",
    query: S.PagingQuery,
    response: S.pageOf(S.Course),
    async run({ query, url }) {
      const versions = await currentVersions(await getDb());
      const list = versions.map(
        (v): z.infer<typeof S.Course> => ({
          slug: v.courseSlug,
          url: absoluteUrl(`/formazione/${v.courseSlug}`),
          title: v.structure.title,
          summary: v.structure.summary,
          audience: v.structure.audience,
          hours: v.structure.hours,
          objectives: v.structure.objectives,
          prerequisites: v.structure.prerequisites,
          modules: v.structure.modules.map((m) => ({
            slug: m.slug,
            title: m.title,
            lessons: m.lessons.map((l) => ({ slug: l.slug, title: l.title, description: l.description, minutes: l.minutes })),
          })),
        }),
      );
      return { body: paginate(list, (c) => c.slug, query, url) };
    },
  },
];
