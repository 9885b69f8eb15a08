/**
 * The preference centre: reached by signed links or from the account, it
 * shows and saves interests, frequency and follows, and unsubscribes.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { conventionLots, conventions, conventionWatches, deliveries, savedSearches, subscribers } from "@db/schema";
import { getDb } from "@/lib/db";
import { type Interests } from "./matching";
import { linkSecret, signSubscriberToken, verifySubscriberToken, type LinkPurpose } from "./secret";
import { type SavedSearchInput, type Watchable, follow, savedSearchFromQueryString, watchableConvention, watchPath, watchTitle } from "./follows";
import { type InterestsInput, type Store, SubscriptionError, type SubscriptionOptions, checkInterests, subscriptionOptions } from "./options";

/** The subscriber a signed link names, or null when the link is forged or the subscription is gone. */
export async function subscriberFromToken(token: string | null, purpose: LinkPurpose): Promise<number | null> {
  if (!token) return null;
  const db = await getDb();
  const id = verifySubscriberToken(await linkSecret(db), token, purpose);
  if (id === null) return null;
  const [row] = await db.select({ id: subscribers.id }).from(subscribers).where(eq(subscribers.id, id));
  return row?.id ?? null;
}

export interface PreferencesView {
  id: number;
  email: string;
  status: "pending" | "confirmed" | "unsubscribed" | "suppressed";
  frequency: "immediate" | "weekly";
  interests: Interests;
  searches: { id: number; label: string; href: string }[];
  /** Watched conventions and lots (`lot` set for a lot). */
  watches: { id: number; title: string; href: string; lot: { number: number; name: string } | null }[];
  /** The same subscriber's signed unsubscribe link (the preference centre offers it as a button). */
  unsubscribeToken: string;
}

async function loadPreferences(subscriberId: number): Promise<PreferencesView | null> {
  const db = await getDb();
  return preferencesView(db, subscriberId, await linkSecret(db));
}

export async function preferencesView(db: Store, subscriberId: number, secret: string): Promise<PreferencesView | null> {
  const [row] = await db.select().from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) return null;
  const [searches, watches] = await Promise.all([
    db.select().from(savedSearches).where(eq(savedSearches.subscriberId, subscriberId)).orderBy(asc(savedSearches.id)),
    db
      .select({ id: conventionWatches.id, title: conventions.title, slug: conventions.slug, lotNumber: conventionWatches.lotNumber, lotName: conventionLots.name })
      .from(conventionWatches)
      .innerJoin(conventions, eq(conventions.id, conventionWatches.conventionId))
      .leftJoin(conventionLots, and(eq(conventionLots.conventionId, conventionWatches.conventionId), eq(conventionLots.number, conventionWatches.lotNumber)))
      .where(eq(conventionWatches.subscriberId, subscriberId))
      .orderBy(asc(conventionWatches.id)),
  ]);
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    frequency: row.frequency,
    interests: row.interests,
    searches: searches.map((s) => ({ id: s.id, label: s.label, href: `/convenzioni?${new URLSearchParams(s.query)}` })),
    watches: watches.map((w) => {
      const lot = w.lotNumber > 0 ? { number: w.lotNumber, name: w.lotName ?? `Lotto ${w.lotNumber}` } : null;
      return { id: w.id, title: watchTitle(w.title, lot), href: watchPath(w.slug, w.lotNumber), lot };
    }),
    unsubscribeToken: signSubscriberToken(secret, subscriberId, "disiscrizione"),
  };
}

export interface PreferencesUpdate extends InterestsInput {
  removeSearches: number[];
  removeWatches: number[];
  /** Offered when the preference centre is opened from a catalog link: follow this search or convention too. */
  ricerca?: string;
  conventionId?: number;
  /** With `conventionId`: watch this lot of it only. */
  lotNumber?: number;
}

/** Saves the preference centre form: interests, frequency, removals and additions. */
export async function updatePreferences(subscriberId: number, update: PreferencesUpdate): Promise<void> {
  const db = await getDb();
  const interests = await checkInterests(update);
  const [row] = await db.select({ status: subscribers.status }).from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) throw new SubscriptionError("L'iscrizione non esiste più.");
  if (row.status !== "confirmed") throw new SubscriptionError("L'iscrizione non è attiva: iscriviti di nuovo per ricevere gli avvisi.");
  if (update.conventionId !== undefined) await watchableConvention(update.conventionId, update.lotNumber);
  const search = update.ricerca ? await savedSearchFromQueryString(update.ricerca) : null;
  const remainingSearches = await db.select({ id: savedSearches.id }).from(savedSearches).where(eq(savedSearches.subscriberId, subscriberId));
  const remainingWatches = await db.select({ id: conventionWatches.id }).from(conventionWatches).where(eq(conventionWatches.subscriberId, subscriberId));
  const keepsSomething =
    interests.kinds.length > 0 ||
    remainingSearches.some((s) => !update.removeSearches.includes(s.id)) ||
    remainingWatches.some((w) => !update.removeWatches.includes(w.id)) ||
    Boolean(search) ||
    update.conventionId !== undefined;
  if (!keepsSomething) {
    throw new SubscriptionError("Scegli almeno un tipo di avviso, oppure annulla l'iscrizione con il pulsante in fondo alla pagina.", "kinds");
  }
  await db.batch([
    db.update(subscribers).set({ interests, frequency: update.frequency }).where(eq(subscribers.id, subscriberId)),
    db.delete(savedSearches).where(and(eq(savedSearches.subscriberId, subscriberId), inArray(savedSearches.id, update.removeSearches.length ? update.removeSearches : [-1]))),
    db.delete(conventionWatches).where(and(eq(conventionWatches.subscriberId, subscriberId), inArray(conventionWatches.id, update.removeWatches.length ? update.removeWatches : [-1]))),
  ]);
  await follow(db, subscriberId, search, update.conventionId, update.lotNumber);
}

/** Whether a subscriber still receives alerts: "unsubscribed" covers both opting out and suppression after failures. */
export async function subscriptionStatus(subscriberId: number): Promise<"active" | "unsubscribed" | null> {
  const db = await getDb();
  const [row] = await db.select({ status: subscribers.status }).from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) return null;
  return row.status === "pending" || row.status === "confirmed" ? "active" : "unsubscribed";
}

/**
 * Unsubscribes at once (RFC 8058 one-click or the visible link) and cancels
 * whatever was still waiting for this address. Repeating it changes nothing.
 */

export async function unsubscribe(subscriberId: number, now = new Date()): Promise<void> {
  const db = await getDb();
  await db.batch([
    db
      .update(subscribers)
      .set({ status: "unsubscribed", unsubscribedAt: now })
      .where(and(eq(subscribers.id, subscriberId), inArray(subscribers.status, ["pending", "confirmed"]))),
    db
      .update(deliveries)
      .set({ status: "cancelled", lastError: "Iscrizione annullata" })
      .where(and(eq(deliveries.subscriberId, subscriberId), inArray(deliveries.status, ["queued", "digest"]))),
  ]);
}

/**
 * The subscription of a signed-in person: linked to the account, or under
 * the same address once the account has verified it (registering someone
 * else's address without verifying it shows nothing of their subscription).
 */
export async function accountSubscriberId(user: { id: string; email: string; emailVerified: boolean }): Promise<number | null> {
  const db = await getDb();
  const byAddress = user.emailVerified ? sql` OR ${subscribers.email} = ${user.email.toLowerCase()}` : sql``;
  const [row] = await db
    .select({ id: subscribers.id })
    .from(subscribers)
    .where(sql`(${subscribers.userId} = ${user.id}${byAddress}) AND ${subscribers.status} IN ('confirmed', 'pending')`)
    .limit(1);
  return row?.id ?? null;
}

export interface FormContext {
  options: SubscriptionOptions;
  /** The search offered by `?ricerca=`, when it filters anything. */
  search: SavedSearchInput | null;
  /** The convention (or lot, with `?lotto=`) offered by `?convenzione=`. */
  convention: Watchable | null;
  /** Why a parameter was ignored, in Italian. */
  messages: string[];
}

/** Everything the subscribe and preference forms show, from the page's query parameters. */
export async function formContext(params: { ricerca?: string | null; convenzione?: number | null; lotto?: number | null }): Promise<FormContext> {
  const messages: string[] = [];
  const options = await subscriptionOptions();
  let search: SavedSearchInput | null = null;
  if (params.ricerca) {
    search = await savedSearchFromQueryString(params.ricerca);
    if (!search) messages.push("La ricerca indicata non contiene filtri: scegli qui sotto gli argomenti che ti interessano.");
  }
  let convention: FormContext["convention"] = null;
  if (params.convenzione) {
    convention = await watchableConvention(params.convenzione, params.lotto ?? undefined).catch(() => null);
    if (!convention) messages.push(params.lotto ? "Il lotto indicato non esiste più." : "La convenzione indicata non esiste più.");
  }
  return { options, search, convention, messages };
}

/** The preference centre's data: the subscription and the form's options (with any search or convention offered). */
export async function openPreferences(
  subscriberId: number,
  params: { ricerca?: string | null; convenzione?: number | null; lotto?: number | null } = {},
): Promise<{ view: PreferencesView; context: FormContext } | null> {
  const view = await loadPreferences(subscriberId);
  if (!view) return null;
  return { view, context: await formContext(params) };
}
