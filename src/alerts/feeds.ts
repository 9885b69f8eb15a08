/**
 * RSS feeds built from the announcements table (the same events the email
 * alerts send): everything, or one kind, category or aggregator. Conditional
 * GET with ETag / Last-Modified, so feed readers that poll often cost little.
 */
import { createHash } from "node:crypto";
import { and, asc, desc, eq, inArray, sql, type SQL } from "drizzle-orm";
import RSS from "rss";
import { aggregators, announcements, ANNOUNCEMENT_KINDS, categories, pressReleases, type AnnouncementKind } from "@db/schema";
import { PRESS_KIND_LABELS } from "@/press";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { withoutControlCharacters } from "@/lib/http";
import { SITE_NAME } from "@/lib/site";
import { ANNOUNCEMENT_KIND_LABELS, KIND_SINGULAR } from "./messages";

/** Items per feed: readers keep their own history. */
export const FEED_SIZE = 50;

export type FeedScope = { type: "all" } | { type: "kind"; kind: AnnouncementKind } | { type: "category"; id: string } | { type: "aggregator"; id: string };

/** The feed's path; the catalog and press pages use these in their autodiscovery links. */
export function feedPath(scope: FeedScope): string {
  switch (scope.type) {
    case "all":
      return "/feed.xml";
    case "kind":
      return `/feed/tipo/${scope.kind}.xml`;
    case "category":
      return `/feed/categoria/${encodeURIComponent(scope.id)}.xml`;
    case "aggregator":
      return `/feed/soggetto/${encodeURIComponent(scope.id)}.xml`;
  }
}

export interface FeedLink {
  title: string;
  href: string;
}

/** Every feed, grouped as the /avvisi page lists them. */
export async function feedDirectory(): Promise<{ all: FeedLink; kinds: FeedLink[]; categories: FeedLink[]; aggregators: FeedLink[] }> {
  const db = await getDb();
  const [cats, aggs] = await Promise.all([
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name)),
  ]);
  return {
    all: { title: `${SITE_NAME}: tutte le novità`, href: feedPath({ type: "all" }) },
    kinds: ANNOUNCEMENT_KINDS.map((kind) => ({ title: ANNOUNCEMENT_KIND_LABELS[kind], href: feedPath({ type: "kind", kind }) })),
    categories: cats.map((c) => ({ title: c.name, href: feedPath({ type: "category", id: c.id }) })),
    aggregators: aggs.map((a) => ({ title: a.name, href: feedPath({ type: "aggregator", id: a.id }) })),
  };
}

/** Parses the route parameter of a kind feed; null for an unknown kind. */
export function kindScope(value: string | undefined): FeedScope | null {
  return value && (ANNOUNCEMENT_KINDS as readonly string[]).includes(value) ? { type: "kind", kind: value as AnnouncementKind } : null;
}

async function describe(scope: FeedScope): Promise<{ title: string; filter: SQL | undefined } | null> {
  const db = await getDb();
  switch (scope.type) {
    case "all":
      return { title: `${SITE_NAME}: tutte le novità`, filter: undefined };
    case "kind":
      return { title: `${SITE_NAME}: ${ANNOUNCEMENT_KIND_LABELS[scope.kind].toLowerCase()}`, filter: eq(announcements.kind, scope.kind) };
    case "category": {
      const [row] = await db.select({ name: categories.name }).from(categories).where(eq(categories.id, scope.id));
      return row ? { title: `${SITE_NAME}: categoria ${row.name}`, filter: eq(announcements.categoryId, scope.id) } : null;
    }
    case "aggregator": {
      const [row] = await db.select({ name: aggregators.name }).from(aggregators).where(eq(aggregators.id, scope.id));
      return row
        ? { title: `${SITE_NAME}: ${row.name}`, filter: sql`EXISTS (SELECT 1 FROM json_each(${announcements.aggregatorIds}) WHERE value = ${scope.id})` }
        : null;
    }
  }
}

function notModified(request: Request, etag: string, lastModified: Date | null): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    const strip = (tag: string) => tag.trim().replace(/^W\//, "");
    return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => strip(tag) === strip(etag));
  }
  const ifModifiedSince = request.headers.get("if-modified-since");
  if (ifModifiedSince !== null && lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds.
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

/** The feed as an HTTP response: 200 with RSS, 304 when the reader's copy is current, 404 for an unknown scope. */
export async function feedResponse(scope: FeedScope | null, request: Request): Promise<Response> {
  const described = scope ? await describe(scope) : null;
  if (!scope || !described) {
    return new Response("Feed non trovato.\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const db = await getDb();
  const items = await db
    .select()
    .from(announcements)
    .where(and(described.filter))
    .orderBy(desc(announcements.createdAt), desc(announcements.id))
    .limit(FEED_SIZE);
  const lastModified = items[0]?.createdAt ?? null;
  const etag = `"${createHash("sha256")
    .update(JSON.stringify([feedPath(scope), items.map((i) => [i.id, i.createdAt.getTime(), i.title, i.summary, i.path])]))
    .digest("base64url")
    .slice(0, 27)}"`;
  const headers = new Headers({ ETag: etag, "Cache-Control": "public, max-age=300" });
  if (lastModified) headers.set("Last-Modified", lastModified.toUTCString());
  if (notModified(request, etag, lastModified)) return new Response(null, { status: 304, headers });

  const siteUrl = config().siteUrl;
  const feedUrl = `${siteUrl}${feedPath(scope)}`;
  const feed = new RSS({
    title: described.title,
    description: `Aggiornamenti di ${SITE_NAME}: convenzioni, iniziative, programmazione e comunicati dei soggetti aggregatori.`,
    feed_url: feedUrl,
    site_url: `${siteUrl}/avvisi`,
    language: "it",
    pubDate: lastModified ?? undefined,
    ttl: 60,
  });
  // A press item is announced as what it is: «Comunicato stampa» or «Notizia».
  const pressIds = [...new Set(items.filter((i) => i.entityType === "press_release" && /^\d+$/.test(i.entityId)).map((i) => Number(i.entityId)))];
  const pressKinds = new Map(
    pressIds.length ? (await db.select({ id: pressReleases.id, kind: pressReleases.kind }).from(pressReleases).where(inArray(pressReleases.id, pressIds))).map((p) => [String(p.id), p.kind]) : [],
  );
  for (const item of items) {
    const pressKind = item.entityType === "press_release" ? pressKinds.get(item.entityId) : undefined;
    // XML 1.0 allows no control characters, not even inside CDATA: one in a title would make the whole feed unreadable.
    feed.item({
      title: withoutControlCharacters(item.title),
      description: withoutControlCharacters(item.summary, true),
      url: new URL(item.path, `${siteUrl}/`).toString(),
      // The event key never changes, so readers never see an item twice.
      guid: `${siteUrl}/feed.xml#${encodeURIComponent(item.eventKey)}`,
      date: item.createdAt,
      categories: [pressKind ? PRESS_KIND_LABELS[pressKind] : KIND_SINGULAR[item.kind]],
    });
  }
  headers.set("Content-Type", "application/rss+xml; charset=utf-8");
  return new Response(feed.xml({ indent: true }), { status: 200, headers });
}
