/**
 * Subscribing without an account: the double opt-in (request, confirmation
 * link, welcome message), written with its mail in one transaction.
 */
import { createHash, createHmac } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { subscribers } from "@db/schema";
import { config } from "@/config";
import { getDb } from "@/lib/db";
import { queueMail } from "@/outbox";
import { hitRateLimits, RATE_RULES, recipientKey, type RateRule } from "@/accounts";
import { subscriberLinks } from "./links";
import { buildAlreadySubscribedMessage, buildConfirmationMessage, buildWelcomeMessage, ANNOUNCEMENT_KIND_LABELS } from "./messages";
import { hmacKey, linkSecret } from "./secret";
import { follow, savedSearchFromQueryString, watchableConvention } from "./follows";
import { type InterestsInput, type Option, type Store, SubscriptionError, checkInterests, subscriptionOptions } from "./options";
import { preferencesView } from "./preferences";

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

export interface SubscribeRequest extends InterestsInput {
  email: string;
  consent: "si";
  /** A catalog query string to follow ("Ricevi avvisi per questa ricerca"). */
  ricerca?: string;
  conventionId?: number;
  /** With `conventionId`: watch this lot of it only. */
  lotNumber?: number;
  /** Set when a signed-in person subscribes from their account. */
  user?: { id: string; email: string; emailVerified: boolean };
}

/** What the page tells the visitor: always the same for any address, so nobody learns who is subscribed. */
export type SubscribeOutcome = "check-inbox" | "confirmed";

/** The confirmation token of an address for one expiry: HMAC of both under the link secret (stored only as its hash). */
function confirmToken(secret: string, email: string, expiresAt: Date): string {
  return createHmac("sha256", hmacKey(secret)).update(`confirm:${email}:${expiresAt.getTime()}`).digest("base64url");
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
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
  if (request.conventionId !== undefined) await watchableConvention(request.conventionId, request.lotNumber);
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
      await follow(db, existing.id, search, request.conventionId, request.lotNumber);
      return "confirmed";
    }
    // The link carries the search or convention asked for, so the preference centre offers to add it.
    const offer = new URLSearchParams();
    if (search) offer.set("ricerca", new URLSearchParams(search.query).toString());
    if (request.conventionId !== undefined) offer.set("convenzione", String(request.conventionId));
    if (request.conventionId !== undefined && request.lotNumber !== undefined) offer.set("lotto", String(request.lotNumber));
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
    await follow(tx, row!.id, search, request.conventionId, request.lotNumber);
    if (verifiedUser) {
      await queueWelcome(tx, row!.id, secret);
    } else {
      const confirmUrl = `${cfg.siteUrl}/avvisi/conferma?t=${token}`;
      await queueMail(tx, "subscription_confirmation", buildConfirmationMessage({ siteUrl: cfg.siteUrl }, email, confirmUrl, CONFIRM_VALID_HOURS));
    }
  });
  return verifiedUser ? "confirmed" : "check-inbox";
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
    return narrow.length ? `${ANNOUNCEMENT_KIND_LABELS[k]} (${narrow.join("; ")})` : ANNOUNCEMENT_KIND_LABELS[k];
  });
  topics.push(...view.searches.map((s) => `Ricerca salvata: ${s.label}`));
  topics.push(...view.watches.map((w) => (w.lot ? `Esaurimento e scadenza di «${w.title}»` : `Scadenza e massimale di «${w.title}»`)));
  const cfg = config();
  await queueMail(tx, "subscription_welcome", buildWelcomeMessage({ siteUrl: cfg.siteUrl }, view.email, { topics, frequency: view.frequency }, subscriberLinks(cfg.siteUrl, secret, subscriberId)));
}
