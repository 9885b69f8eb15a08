/**
 * What a subscription follows beyond its interests: saved catalog searches
 * and watched conventions.
 */
import { and, eq, sql } from "drizzle-orm";
import { aggregators, categories, conventionLots, conventions, conventionWatches, savedSearches } from "@db/schema";
import { getDb } from "@/lib/db";
import { catalogQueryString, hasFilters, lotTitle, parseCatalogQuery } from "@/catalog";
import { type Store, SubscriptionError } from "./options";

/** Longest label stored for a saved search. */
const MAX_LABEL = 300;
/** Saved searches and watched conventions per subscriber. */
const MAX_FOLLOWED = 50;

export interface SavedSearchInput {
  /** Canonical catalog parameters (as catalogQueryString writes them). */
  query: Record<string, string>;
  label: string;
}

/**
 * Turns a catalog query string into a saved search: the catalog's own parser
 * cleans it, so an alert means exactly "this would be in my results".
 */
export async function savedSearchFromQueryString(raw: string): Promise<SavedSearchInput | null> {
  const parsed = parseCatalogQuery(new URLSearchParams(raw.slice(0, 2000))).query;
  if (!hasFilters(parsed)) return null;
  const canonical = new URLSearchParams(catalogQueryString({ ...parsed, page: 1 }));
  canonical.delete("ordina");
  const query = Object.fromEntries(canonical);
  const db = await getDb();
  const parts: string[] = [];
  if (parsed.q) parts.push(`testo «${parsed.q}»`);
  if (parsed.categoryId) {
    const [c] = await db.select({ name: categories.name }).from(categories).where(eq(categories.id, parsed.categoryId));
    parts.push(`categoria ${c?.name ?? parsed.categoryId}`);
  }
  if (parsed.aggregatorId) {
    const [a] = await db.select({ name: aggregators.name }).from(aggregators).where(eq(aggregators.id, parsed.aggregatorId));
    parts.push(`soggetto ${a?.name ?? parsed.aggregatorId}`);
  }
  if (parsed.region) parts.push(`regione ${parsed.region}`);
  if (parsed.cpv) parts.push(`CPV ${parsed.cpv}`);
  if (canonical.get("tipo")) parts.push(`strumento ${canonical.get("tipo")}`);
  if (canonical.get("stato")) parts.push(`stato ${canonical.get("stato")}`);
  if (parsed.expiring) parts.push("in scadenza");
  if (parsed.supplier) parts.push(`fornitore «${parsed.supplier}»`);
  if (parsed.startFrom || parsed.startTo) parts.push(`attiva ${[parsed.startFrom && `dal ${parsed.startFrom}`, parsed.startTo && `al ${parsed.startTo}`].filter(Boolean).join(" ")}`);
  if (parsed.endFrom || parsed.endTo) parts.push(`scadenza ${[parsed.endFrom && `dal ${parsed.endFrom}`, parsed.endTo && `al ${parsed.endTo}`].filter(Boolean).join(" ")}`);
  const label = `Convenzioni: ${parts.join(", ")}`.slice(0, MAX_LABEL);
  return { query, label };
}

export interface Watchable {
  id: number;
  title: string;
  slug: string;
  /** Set when one lot is watched ("avvisami quando il lotto si esaurisce o scade"). */
  lot?: { number: number; name: string };
}

/** The convention (or one of its lots) someone asks to watch, or a refusal when it does not exist. */
export async function watchableConvention(id: number, lotNumber?: number): Promise<Watchable> {
  const db = await getDb();
  const [row] = await db.select({ id: conventions.id, title: conventions.title, slug: conventions.slug }).from(conventions).where(eq(conventions.id, id));
  if (!row) throw new SubscriptionError("La convenzione indicata non esiste più.", "convenzione");
  if (lotNumber === undefined) return row;
  const [lot] = await db
    .select({ number: conventionLots.number, name: conventionLots.name })
    .from(conventionLots)
    .where(and(eq(conventionLots.conventionId, id), eq(conventionLots.number, lotNumber)));
  if (!lot) throw new SubscriptionError("Il lotto indicato non esiste più.", "lotto");
  return { ...row, lot };
}

/** How a watch is named in the preference centre and the welcome message. */
export function watchTitle(conventionTitle: string, lot: { number: number; name: string } | null | undefined): string {
  return lot ? `${conventionTitle} – ${lotTitle(lot)}` : conventionTitle;
}

/** Where a watch leads: the convention page, or the lot page. */
export function watchPath(slug: string, lotNumber: number): string {
  return lotNumber > 0 ? `/convenzioni/${slug}/lotti/${lotNumber}` : `/convenzioni/${slug}`;
}

/** Adds a saved search and a watched convention (`lotNumber` > 0: one of its lots) to a subscription. */
export async function follow(db: Store, subscriberId: number, search: SavedSearchInput | null | undefined, conventionId: number | undefined, lotNumber = 0): Promise<void> {
  const [counts] = await db.all<{ n: number }>(sql`SELECT (SELECT count(*) FROM ${savedSearches} WHERE subscriber_id = ${subscriberId})
    + (SELECT count(*) FROM ${conventionWatches} WHERE subscriber_id = ${subscriberId}) AS n`);
  if (Number(counts?.n ?? 0) >= MAX_FOLLOWED && (search || conventionId)) {
    throw new SubscriptionError(`Puoi seguire al massimo ${MAX_FOLLOWED} ricerche e convenzioni: togline qualcuna dalle preferenze.`);
  }
  if (search) {
    const existing = await db
      .select({ id: savedSearches.id })
      .from(savedSearches)
      .where(and(eq(savedSearches.subscriberId, subscriberId), sql`${savedSearches.query} = ${JSON.stringify(search.query)}`));
    if (existing.length === 0) await db.insert(savedSearches).values({ subscriberId, label: search.label, query: search.query });
  }
  if (conventionId !== undefined) {
    await db.insert(conventionWatches).values({ subscriberId, conventionId, lotNumber }).onConflictDoNothing();
  }
}
