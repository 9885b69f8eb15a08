/**
 * Press releases and news as they are read: the back-office list, the public
 * list with its filters, one item with its tags and attachments, and counts.
 * Writing (saving, publishing, withdrawing) is in write.ts.
 */
import { and, asc, count, desc, eq, gte, inArray, lt } from "drizzle-orm";
import { aggregators, attachments, categories, pressReleases, pressReleaseTags, type PRESS_STATUSES } from "@db/schema";
import { getDb, type Database } from "@/lib/db";
import { startOfRomeYear, yearInItaly } from "@/lib/dates";

export type PressStatus = (typeof PRESS_STATUSES)[number];
export type PressRelease = typeof pressReleases.$inferSelect;
export type AttachmentRow = typeof attachments.$inferSelect;

export interface Tags {
  aggregators: string[];
  categories: string[];
}


/** The tags of one item, read through `db` (a transaction reads what it wrote). */
export async function readTags(db: Pick<Database, "select">, releaseId: number): Promise<Tags> {
  const rows = await db.select().from(pressReleaseTags).where(eq(pressReleaseTags.pressReleaseId, releaseId));
  return {
    aggregators: rows.filter((r) => r.tagType === "aggregator").map((r) => r.tagId),
    categories: rows.filter((r) => r.tagType === "category").map((r) => r.tagId),
  };
}

export interface ReleaseSummary {
  id: number;
  slug: string;
  kind: PressRelease["kind"];
  title: string;
  summary: string;
  status: PressStatus;
  publishedAt: Date | null;
  publishAt: Date | null;
  updatedAt: Date;
  isExample: boolean;
}

const summaryColumns = {
  id: pressReleases.id,
  slug: pressReleases.slug,
  kind: pressReleases.kind,
  title: pressReleases.title,
  summary: pressReleases.summary,
  status: pressReleases.status,
  publishedAt: pressReleases.publishedAt,
  publishAt: pressReleases.publishAt,
  updatedAt: pressReleases.updatedAt,
  isExample: pressReleases.isExample,
};

/** Every item for the back office, newest change first. */
export async function listForBackOffice(): Promise<ReleaseSummary[]> {
  const db = await getDb();
  return db.select(summaryColumns).from(pressReleases).orderBy(desc(pressReleases.updatedAt), desc(pressReleases.id));
}

export const PRESS_PAGE_SIZE = 10;

export interface PublishedQuery {
  year?: number;
  /** "aggregatore:<id>" or "categoria:<id>". */
  tag?: string;
  page: number;
}

/** One page of published items, newest first, filtered by year (Rome time) and tag. */
export async function listPublished(query: PublishedQuery): Promise<{ items: ReleaseSummary[]; total: number; pageCount: number }> {
  const db = await getDb();
  const conditions = [eq(pressReleases.status, "published")];
  if (query.year) {
    conditions.push(gte(pressReleases.publishedAt, startOfRomeYear(query.year)), lt(pressReleases.publishedAt, startOfRomeYear(query.year + 1)));
  }
  if (query.tag) {
    const [type, tagId] = query.tag.split(":") as [string, string];
    const tagType = type === "aggregatore" ? "aggregator" : "category";
    conditions.push(
      inArray(
        pressReleases.id,
        db
          .select({ id: pressReleaseTags.pressReleaseId })
          .from(pressReleaseTags)
          .where(and(eq(pressReleaseTags.tagType, tagType), eq(pressReleaseTags.tagId, tagId))),
      ),
    );
  }
  const where = and(...conditions);
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(pressReleases).where(where);
  const items = await db
    .select(summaryColumns)
    .from(pressReleases)
    .where(where)
    .orderBy(desc(pressReleases.publishedAt), desc(pressReleases.id))
    .limit(PRESS_PAGE_SIZE)
    .offset((query.page - 1) * PRESS_PAGE_SIZE);
  return { items, total: n, pageCount: Math.max(1, Math.ceil(n / PRESS_PAGE_SIZE)) };
}

export interface TagOption {
  value: string;
  label: string;
}

/** Filter values of the public list: years with publications and the tags in use. */
export async function publishedFacets(): Promise<{ years: number[]; tags: TagOption[] }> {
  const db = await getDb();
  const published = await db.select({ publishedAt: pressReleases.publishedAt }).from(pressReleases).where(eq(pressReleases.status, "published"));
  const years = [...new Set(published.map((r) => yearInItaly(r.publishedAt!)))].sort((a, b) => b - a);
  const used = await db
    .selectDistinct({ tagType: pressReleaseTags.tagType, tagId: pressReleaseTags.tagId })
    .from(pressReleaseTags)
    .innerJoin(pressReleases, eq(pressReleases.id, pressReleaseTags.pressReleaseId))
    .where(eq(pressReleases.status, "published"));
  const labels = await tagLabels(used);
  const tags = used
    .map((t) => ({ value: `${t.tagType === "aggregator" ? "aggregatore" : "categoria"}:${t.tagId}`, label: labels.get(`${t.tagType}:${t.tagId}`) ?? t.tagId }))
    .sort((a, b) => a.label.localeCompare(b.label, "it"));
  return { years, tags };
}

async function tagLabels(tags: { tagType: "aggregator" | "category"; tagId: string }[]): Promise<Map<string, string>> {
  const db = await getDb();
  const aggIds = tags.filter((t) => t.tagType === "aggregator").map((t) => t.tagId);
  const catIds = tags.filter((t) => t.tagType === "category").map((t) => t.tagId);
  const map = new Map<string, string>();
  if (aggIds.length) {
    for (const a of await db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).where(inArray(aggregators.id, aggIds))) {
      map.set(`aggregator:${a.id}`, a.name);
    }
  }
  if (catIds.length) {
    for (const c of await db.select({ id: categories.id, name: categories.name }).from(categories).where(inArray(categories.id, catIds))) {
      map.set(`category:${c.id}`, c.name);
    }
  }
  return map;
}

export interface ReleaseDetail {
  release: PressRelease;
  tags: { type: "aggregator" | "category"; id: string; label: string; filter: string }[];
  attachments: AttachmentRow[];
}

async function detail(release: PressRelease): Promise<ReleaseDetail> {
  const db = await getDb();
  const raw = await db.select().from(pressReleaseTags).where(eq(pressReleaseTags.pressReleaseId, release.id));
  const labels = await tagLabels(raw);
  const files = await db.select().from(attachments).where(eq(attachments.pressReleaseId, release.id)).orderBy(asc(attachments.createdAt));
  return {
    release,
    tags: raw.map((t) => ({
      type: t.tagType,
      id: t.tagId,
      label: labels.get(`${t.tagType}:${t.tagId}`) ?? t.tagId,
      filter: `${t.tagType === "aggregator" ? "aggregatore" : "categoria"}:${t.tagId}`,
    })),
    attachments: files,
  };
}

/** A published item by its slug, with tags and attachments; undefined when missing or not published. */
export async function getBySlug(slug: string): Promise<ReleaseDetail | undefined> {
  if (!/^[a-z0-9-]{1,100}$/.test(slug)) return undefined;
  const db = await getDb();
  const [release] = await db.select().from(pressReleases).where(and(eq(pressReleases.slug, slug), eq(pressReleases.status, "published")));
  return release ? detail(release) : undefined;
}

/** Any item by id, for the back-office editor. */
export async function getForEditing(id: number): Promise<ReleaseDetail | undefined> {
  const db = await getDb();
  const [release] = await db.select().from(pressReleases).where(eq(pressReleases.id, id));
  return release ? detail(release) : undefined;
}

/** Aggregators and categories an editor can tag an item with, read from the catalog. */
export async function tagOptions(): Promise<{ aggregators: TagOption[]; categories: TagOption[] }> {
  const db = await getDb();
  const aggs = await db.select({ value: aggregators.id, label: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name));
  const cats = await db.select({ value: categories.id, label: categories.name }).from(categories).orderBy(asc(categories.name));
  return { aggregators: aggs, categories: cats };
}

/** Counts for the back-office home. */
export async function pressCounts(): Promise<Record<PressStatus, number>> {
  const db = await getDb();
  const rows = await db.select({ status: pressReleases.status, n: count() }).from(pressReleases).groupBy(pressReleases.status);
  const out: Record<PressStatus, number> = { draft: 0, scheduled: 0, published: 0, unpublished: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}
