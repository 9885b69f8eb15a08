/**
 * Subscriptions without an account: double opt-in, the preference centre
 * reached by signed links, one-click unsubscribe, and the same preferences
 * for signed-in people.
 */
import { createHash, createHmac } from "node:crypto";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { aggregators, categories, conventionLots, conventions, conventionWatches, deliveries, savedSearches, subscribers, type AnnouncementKind } from "@db/schema";
import { config } from "@/config";
import { getDb, type Database } from "@/lib/db";
import { Refusal } from "@/lib/refusal";
import { queueMail } from "@/outbox";
import { hitRateLimits, RATE_RULES, recipientKey, type RateRule } from "@/accounts";
import { catalogQueryString, hasFilters, NATIONAL_REGION, parseCatalogQuery, REGIONS } from "@/catalog";
import { subscriberLinks } from "./links";
import { SUBSCRIBABLE_KINDS, type Interests } from "./matching";
import { buildAlreadySubscribedMessage, buildConfirmationMessage, buildWelcomeMessage, KIND_LABELS } from "./messages";
import { linkSecret, signSubscriberToken, verifySubscriberToken, type LinkPurpose } from "./secret";

/** The consent text shown beside the checkbox and stored with each subscription. */
export const CONSENT_TEXT =
  "Acconsento a ricevere per email gli avvisi che ho scelto e al trattamento del mio indirizzo solo per questo scopo, come descritto nell'informativa privacy. Posso annullare l'iscrizione in ogni momento.";

/** How long a confirmation link is valid; after that the pending subscription is purged. */
export const CONFIRM_VALID_HOURS = 48;

const MINUTE = 60_000;
/** Each subscription request sends a message: limit it per client and per address. */
const SUBSCRIBE_RULES = {
  ip: { name: "alerts-subscribe-ip", limit: 20, windowMs: 60 * MINUTE },
  email: { name: "alerts-subscribe-email", limit: 3, windowMs: 60 * MINUTE },
} satisfies Record<string, RateRule>;

/** Longest label stored for a saved search. */
const MAX_LABEL = 300;
/** Saved searches and watched conventions per subscriber. */
const MAX_FOLLOWED = 50;

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
async function subscriptionOptions(): Promise<SubscriptionOptions> {
  const db = await getDb();
  const [cats, aggs, regionRows] = await Promise.all([
    db.select({ id: categories.id, name: categories.name }).from(categories).orderBy(asc(categories.name)),
    db.select({ id: aggregators.id, name: aggregators.name }).from(aggregators).orderBy(asc(aggregators.name)),
    db.all<{ region: string }>(sql`SELECT region FROM ${aggregators} UNION SELECT region FROM ${conventionLots} ORDER BY region`),
  ]);
  const known = new Set<string>(REGIONS);
  return {
    kinds: SUBSCRIBABLE_KINDS.map((id) => ({ id, name: KIND_LABELS[id] })),
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
async function checkInterests(input: InterestsInput): Promise<Interests> {
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

export interface SavedSearchInput {
  /** Canonical catalog parameters (as catalogQueryString writes them). */
  query: Record<string, string>;
  label: string;
}

/**
 * Turns a catalog query string into a saved search: the catalog's own parser
 * cleans it, so an alert means exactly "this would be in my results".
 */
async function savedSearchFromQueryString(raw: string): Promise<SavedSearchInput | null> {
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

/** The convention someone asks to watch, or a refusal when it does not exist. */
async function watchableConvention(id: number): Promise<{ id: number; title: string; slug: string }> {
  const db = await getDb();
  const [row] = await db.select({ id: conventions.id, title: conventions.title, slug: conventions.slug }).from(conventions).where(eq(conventions.id, id));
  if (!row) throw new SubscriptionError("La convenzione indicata non esiste più.", "convenzione");
  return row;
}

export interface SubscribeRequest extends InterestsInput {
  email: string;
  consent: "si";
  /** A catalog query string to follow ("Ricevi avvisi per questa ricerca"). */
  ricerca?: string;
  conventionId?: number;
  /** Set when a signed-in person subscribes from their account. */
  user?: { id: string; email: string; emailVerified: boolean };
}

/** What the page tells the visitor: always the same for any address, so nobody learns who is subscribed. */
export type SubscribeOutcome = "check-inbox" | "confirmed";

/** The confirmation token of an address for one expiry: HMAC of both under the link secret (stored only as its hash). */
function confirmToken(secret: string, email: string, expiresAt: Date): string {
  return createHmac("sha256", secret).update(`confirm:${email}:${expiresAt.getTime()}`).digest("base64url");
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What reads and writes subscriptions: the database or an open transaction. */
type Store = Pick<Database, "all" | "select" | "insert">;

async function follow(db: Store, subscriberId: number, search: SavedSearchInput | null | undefined, conventionId: number | undefined): Promise<void> {
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
    await db.insert(conventionWatches).values({ subscriberId, conventionId }).onConflictDoNothing();
  }
}

/**
 * Records a subscription and sends the confirmation link (double opt-in). An
 * address already confirmed gets a message with its preference link instead,
 * so a stranger cannot change someone else's subscription. A signed-in
 * person whose address is verified is confirmed at once.
 */
export async function subscribe(request: SubscribeRequest, client: { ip: string }, now = new Date()): Promise<SubscribeOutcome> {
  const email = request.email.trim().toLowerCase();
  // Per mailbox, not per spelling: `+tags`, dots (Gmail) and case all reach the same inbox.
  const mailbox = recipientKey(email);
  await hitRateLimits([
    [SUBSCRIBE_RULES.ip, client.ip],
    [SUBSCRIBE_RULES.email, mailbox],
    [RATE_RULES.subscribeRecipient, mailbox],
  ]);
  const interests = await checkInterests(request);
  const search = request.ricerca ? await savedSearchFromQueryString(request.ricerca) : null;
  if (interests.kinds.length === 0 && !search && request.conventionId === undefined) {
    throw new SubscriptionError("Scegli almeno un tipo di avviso.", "kinds");
  }
  if (request.conventionId !== undefined) await watchableConvention(request.conventionId);
  const db = await getDb();
  const cfg = config();
  const secret = await linkSecret(db);
  const [existing] = await db.select().from(subscribers).where(eq(subscribers.email, email));

  if (existing && existing.status === "suppressed") {
    // Mail to this address keeps bouncing; sending a confirmation would bounce too.
    return "check-inbox";
  }
  const verifiedUser = request.user && request.user.emailVerified && request.user.email.toLowerCase() === email ? request.user : undefined;
  if (existing && existing.status === "confirmed") {
    if (verifiedUser) {
      await follow(db, existing.id, search, request.conventionId);
      return "confirmed";
    }
    // The link carries the search or convention asked for, so the preference centre offers to add it.
    const offer = new URLSearchParams();
    if (search) offer.set("ricerca", new URLSearchParams(search.query).toString());
    if (request.conventionId !== undefined) offer.set("convenzione", String(request.conventionId));
    const preferences = `${subscriberLinks(cfg.siteUrl, secret, existing.id).preferences}${offer.size ? `&${offer}` : ""}`;
    await queueMail(db, "subscription_already_active", buildAlreadySubscribedMessage({ siteUrl: cfg.siteUrl }, email, preferences));
    return "check-inbox";
  }

  // A pending confirmation link stays valid when the address is subscribed again (by its owner or by anyone
  // else): the token is derived from the secret, the address and its expiry, so the same link is sent again.
  const reusable = existing?.status === "pending" && existing.confirmExpiresAt && existing.confirmExpiresAt > now ? existing.confirmExpiresAt : null;
  const reused = reusable && existing!.confirmTokenHash === tokenHash(confirmToken(secret, email, reusable)) ? reusable : null;
  const expiresAt = reused ?? new Date(now.getTime() + CONFIRM_VALID_HOURS * 3_600_000);
  const token = confirmToken(secret, email, expiresAt);
  const values = {
    email,
    // Only the signed-in person's own verified address is bound to their account; any other address they
    // type is an ordinary subscription its owner confirms (and an account never sees it by address alone).
    userId: verifiedUser?.id ?? null,
    status: verifiedUser ? ("confirmed" as const) : ("pending" as const),
    frequency: request.frequency,
    interests,
    consentAt: now,
    consentText: CONSENT_TEXT,
    confirmTokenHash: verifiedUser ? null : tokenHash(token),
    confirmExpiresAt: verifiedUser ? null : expiresAt,
    confirmedAt: verifiedUser ? now : null,
    unsubscribedAt: null,
    failureCount: 0,
  };
  // The subscription, what it follows and its message are written together: nothing half-done, no lost message.
  await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(subscribers)
      .values(values)
      .onConflictDoUpdate({ target: subscribers.email, set: values })
      .returning({ id: subscribers.id });
    await follow(tx, row!.id, search, request.conventionId);
    if (verifiedUser) {
      await queueWelcome(tx, row!.id, secret);
    } else {
      const confirmUrl = `${cfg.siteUrl}/avvisi/conferma?t=${token}`;
      await queueMail(tx, "subscription_confirmation", buildConfirmationMessage({ siteUrl: cfg.siteUrl }, email, confirmUrl, CONFIRM_VALID_HOURS));
    }
  });
  return verifiedUser ? "confirmed" : "check-inbox";
}

/** Whether a confirmation token is still good (the page shows the confirm button only then). */
export async function isConfirmTokenValid(token: string, now = new Date()): Promise<boolean> {
  const db = await getDb();
  const [row] = await db
    .select({ expires: subscribers.confirmExpiresAt })
    .from(subscribers)
    .where(and(eq(subscribers.confirmTokenHash, tokenHash(token)), eq(subscribers.status, "pending")));
  return Boolean(row?.expires && row.expires > now);
}

/**
 * What an emailed confirmation link stands for now: a subscription waiting for it, one it already confirmed
 * (the hash is kept after confirming, so a second click can say so), or nothing (unknown, expired, unsubscribed).
 */
export async function confirmTokenState(token: string, now = new Date()): Promise<"pending" | "confirmed" | "invalid"> {
  if (!token) return "invalid";
  const db = await getDb();
  const [row] = await db.select({ status: subscribers.status, expires: subscribers.confirmExpiresAt }).from(subscribers).where(eq(subscribers.confirmTokenHash, tokenHash(token)));
  if (row?.status === "confirmed") return "confirmed";
  if (row?.status === "pending" && row.expires && row.expires > now) return "pending";
  return "invalid";
}

/** Confirms a pending subscription by its emailed token and sends the welcome message. Null for a bad or expired token. */
export async function confirmSubscription(token: string, now = new Date()): Promise<{ subscriberId: number; preferencesUrl: string } | null> {
  const db = await getDb();
  const secret = await linkSecret(db);
  const row = await db.transaction(async (tx) => {
    const [confirmed] = await tx
      .update(subscribers)
      .set({ status: "confirmed", confirmedAt: now, confirmExpiresAt: null })
      .where(and(eq(subscribers.confirmTokenHash, tokenHash(token)), eq(subscribers.status, "pending"), sql`${subscribers.confirmExpiresAt} > ${now.getTime()}`))
      .returning({ id: subscribers.id });
    if (confirmed) await queueWelcome(tx, confirmed.id, secret);
    return confirmed;
  });
  if (!row) return null;
  const links = subscriberLinks(config().siteUrl, secret, row.id);
  return { subscriberId: row.id, preferencesUrl: links.preferences };
}

/** Queues the welcome message, reading the subscription through `tx` so it lists what that transaction wrote. */
async function queueWelcome(tx: Store, subscriberId: number, secret: string): Promise<void> {
  const view = await preferencesView(tx, subscriberId, secret);
  if (!view) return;
  const options = await subscriptionOptions();
  const names = (list: Option[], ids: string[]) => ids.map((id) => list.find((o) => o.id === id)?.name ?? id).join(", ");
  const topics = view.interests.kinds.map((k) => {
    const narrow = [
      view.interests.categories.length ? `categorie: ${names(options.categories, view.interests.categories)}` : "",
      view.interests.aggregators.length ? `soggetti: ${names(options.aggregators, view.interests.aggregators)}` : "",
      view.interests.regions.length ? `regioni: ${view.interests.regions.join(", ")}` : "",
    ].filter(Boolean);
    return narrow.length ? `${KIND_LABELS[k]} (${narrow.join("; ")})` : KIND_LABELS[k];
  });
  topics.push(...view.searches.map((s) => `Ricerca salvata: ${s.label}`));
  topics.push(...view.watches.map((w) => `Scadenza e massimale di «${w.title}»`));
  const cfg = config();
  await queueMail(tx, "subscription_welcome", buildWelcomeMessage({ siteUrl: cfg.siteUrl }, view.email, { topics, frequency: view.frequency }, subscriberLinks(cfg.siteUrl, secret, subscriberId)));
}

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
  watches: { id: number; title: string; href: string }[];
  /** The same subscriber's signed unsubscribe link (the preference centre offers it as a button). */
  unsubscribeToken: string;
}

export async function loadPreferences(subscriberId: number): Promise<PreferencesView | null> {
  const db = await getDb();
  return preferencesView(db, subscriberId, await linkSecret(db));
}

async function preferencesView(db: Store, subscriberId: number, secret: string): Promise<PreferencesView | null> {
  const [row] = await db.select().from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) return null;
  const [searches, watches] = await Promise.all([
    db.select().from(savedSearches).where(eq(savedSearches.subscriberId, subscriberId)).orderBy(asc(savedSearches.id)),
    db
      .select({ id: conventionWatches.id, title: conventions.title, slug: conventions.slug })
      .from(conventionWatches)
      .innerJoin(conventions, eq(conventions.id, conventionWatches.conventionId))
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
    watches: watches.map((w) => ({ id: w.id, title: w.title, href: `/convenzioni/${w.slug}` })),
    unsubscribeToken: signSubscriberToken(secret, subscriberId, "disiscrizione"),
  };
}

export interface PreferencesUpdate extends InterestsInput {
  removeSearches: number[];
  removeWatches: number[];
  /** Offered when the preference centre is opened from a catalog link: follow this search or convention too. */
  ricerca?: string;
  conventionId?: number;
}

/** Saves the preference centre form: interests, frequency, removals and additions. */
export async function updatePreferences(subscriberId: number, update: PreferencesUpdate): Promise<void> {
  const db = await getDb();
  const interests = await checkInterests(update);
  const [row] = await db.select({ status: subscribers.status }).from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) throw new SubscriptionError("L'iscrizione non esiste più.");
  if (row.status !== "confirmed") throw new SubscriptionError("L'iscrizione non è attiva: iscriviti di nuovo per ricevere gli avvisi.");
  if (update.conventionId !== undefined) await watchableConvention(update.conventionId);
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
  await follow(db, subscriberId, search, update.conventionId);
}

/**
 * Unsubscribes at once (RFC 8058 one-click or the visible link) and cancels
 * whatever was still waiting for this address. Repeating it changes nothing.
 */
/** Whether a subscriber still receives alerts: "unsubscribed" covers both opting out and suppression after failures. */
export async function subscriptionStatus(subscriberId: number): Promise<"active" | "unsubscribed" | null> {
  const db = await getDb();
  const [row] = await db.select({ status: subscribers.status }).from(subscribers).where(eq(subscribers.id, subscriberId));
  if (!row) return null;
  return row.status === "pending" || row.status === "confirmed" ? "active" : "unsubscribed";
}

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
  /** The convention offered by `?convenzione=`. */
  convention: { id: number; title: string; slug: string } | null;
  /** Why a parameter was ignored, in Italian. */
  messages: string[];
}

/** Everything the subscribe and preference forms show, from the page's query parameters. */
export async function formContext(params: { ricerca?: string | null; convenzione?: number | null }): Promise<FormContext> {
  const messages: string[] = [];
  const options = await subscriptionOptions();
  let search: SavedSearchInput | null = null;
  if (params.ricerca) {
    search = await savedSearchFromQueryString(params.ricerca);
    if (!search) messages.push("La ricerca indicata non contiene filtri: scegli qui sotto gli argomenti che ti interessano.");
  }
  let convention: FormContext["convention"] = null;
  if (params.convenzione) {
    convention = await watchableConvention(params.convenzione).catch(() => null);
    if (!convention) messages.push("La convenzione indicata non esiste più.");
  }
  return { options, search, convention, messages };
}

/** The preference centre's data: the subscription and the form's options (with any search or convention offered). */
export async function openPreferences(
  subscriberId: number,
  params: { ricerca?: string | null; convenzione?: number | null } = {},
): Promise<{ view: PreferencesView; context: FormContext } | null> {
  const view = await loadPreferences(subscriberId);
  if (!view) return null;
  return { view, context: await formContext(params) };
}
