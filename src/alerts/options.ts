/**
 * What the subscription forms offer (read from the catalog) and the check
 * that a posted choice is one of them; shared by subscribing and the
 * preference centre.
 */
import { asc, sql } from "drizzle-orm";
import { aggregators, categories, conventionLots, type AnnouncementKind } from "@db/schema";
import { getDb, type Database } from "@/lib/db";
import { Refusal } from "@/lib/refusal";
import { NATIONAL_REGION, REGIONS } from "@/catalog";
import { SUBSCRIBABLE_KINDS, type Interests } from "./matching";
import { ANNOUNCEMENT_KIND_LABELS } from "./messages";

export class SubscriptionError extends Refusal {}

export interface Option {
  id: string;
  name: string;
}

export interface SubscriptionOptions {
  kinds: { id: AnnouncementKind; name: string }[];
  categories: Option[];
  aggregators: Option[];
  regions: string[];
}

/** The choices offered on the forms, read from the catalog. */
export async function subscriptionOptions(): Promise<SubscriptionOptions> {
  const db = await getDb();
  const [cats, aggs, regionRows] = await Promise.all([
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name)),
    db.all<{ region: string }>(sql`SELECT region FROM ${aggregators} UNION SELECT region FROM ${conventionLots} ORDER BY region`),
  ]);
  const known = new Set<string>(REGIONS);
  return {
    kinds: SUBSCRIBABLE_KINDS.map((id) => ({ id, name: ANNOUNCEMENT_KIND_LABELS[id] })),
    categories: cats,
    aggregators: aggs,
    regions: regionRows.map((r) => r.region).filter((r) => r !== NATIONAL_REGION && known.has(r)),
  };
}

export interface InterestsInput {
  kinds: string[];
  categories: string[];
  aggregators: string[];
  regions: string[];
  frequency: "immediate" | "weekly";
}

/** Keeps only values the options offer; anything else is a tampered form, refused on its field. */
export async function checkInterests(input: InterestsInput): Promise<Interests> {
  const options = await subscriptionOptions();
  const check = (field: string, values: string[], allowed: string[], label: string) => {
    const bad = values.find((v) => !allowed.includes(v));
    if (bad !== undefined) throw new SubscriptionError(`${label} «${bad.slice(0, 80)}» non esiste.`, field);
    return [...new Set(values)];
  };
  return {
    kinds: check("kinds", input.kinds, options.kinds.map((k) => k.id), "Il tipo di avviso") as AnnouncementKind[],
    categories: check("categories", input.categories, options.categories.map((c) => c.id), "La categoria"),
    aggregators: check("aggregators", input.aggregators, options.aggregators.map((a) => a.id), "Il soggetto aggregatore"),
    regions: check("regions", input.regions, options.regions, "La regione"),
  };
}

/** What reads and writes subscriptions: the database or an open transaction. */
export type Store = Pick<Database, "all" | "select" | "insert">;
