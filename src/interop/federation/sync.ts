/**
 * Following another platform: one poll of one peer. The peer's OCDS release
 * package (conditional GET) goes through the OCDS importer for its framework
 * agreements, conventions and SDAs, and through `planItemsOf` for its
 * planning releases (the items of its activity plans). Every item keeps the
 * peer as its source ("federation:<peer>|<ocid>" as source key, the
 * publisher and the peer's address as source name); items the peer no longer
 * lists, or lists as cancelled or withdrawn, are removed. New items are
 * announced through the outbox, so subscribers' alerts fire once. The peer's
 * demonstration data (`example: true`) are not followed.
 *
 * A peer that is down, too slow, too big or sends something that is not an
 * OCDS package changes nothing: the poll records why and the next one tries
 * again (the stored ETag is only replaced after a successful import).
 */
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { activityPlanItems, activityPlans, conventions, federationPeers } from "@db/schema";
import { getDb, transactionsSettled, type Transaction } from "@/lib/db";
import { errorMessage, log } from "@/lib/log";
import { announce } from "@/outbox";
import { applyImport, importedAggregatorId, importedCategoryId, MalformedFileError, ocdsSchemas, type ImportResult } from "../import";
import { parseOcds } from "../import/ocds";
import { cut } from "../import/common";
import { fetchPeerPackage, PeerFetchError } from "./fetch";
import { planItemsOf, withdrawnOcids, type PeerPlanItem } from "./plans";

export interface PollOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Folder of the official OCDS schemas (OCDS_SCHEMAS_DIR). */
  schemasDir?: string;
}

export interface PollResult {
  peer: string;
  outcome: "not-modified" | "imported" | "failed";
  /** Why the poll failed, in Italian. */
  error?: string;
  conventions?: Pick<ImportResult, "created" | "updated" | "unchanged" | "rejected">;
  plans?: { created: number; updated: number; unchanged: number };
  withdrawn?: { conventions: number; planItems: number };
}

/** The prefix of the source keys of everything followed from a peer. */
export const peerKeyPrefix = (peer: string) => `federation:${peer}|`;

async function remember(peer: string, values: Partial<typeof federationPeers.$inferInsert>) {
  const db = await getDb();
  await db
    .insert(federationPeers)
    .values({ url: peer, ...values })
    .onConflictDoUpdate({ target: federationPeers.url, set: values });
}

export async function pollPeer(peer: string, options: PollOptions): Promise<PollResult> {
  const db = await getDb();
  const [state] = await db.select().from(federationPeers).where(eq(federationPeers.url, peer));
  try {
    const answer = await fetchPeerPackage(peer, { maxBytes: options.maxBytes, timeoutMs: options.timeoutMs, etag: state?.etag, lastModified: state?.lastModified });
    if (answer.status === "not-modified") {
      await remember(peer, { checkedAt: new Date(), lastError: null });
      log("debug", "federation.not_modified", { peer });
      return { peer, outcome: "not-modified" };
    }
    const result = await importPackage(peer, answer.bytes, options);
    await remember(peer, { name: result.name, etag: answer.etag, lastModified: answer.lastModified, checkedAt: new Date(), importedAt: new Date(), lastError: null });
    log("info", "federation.imported", { peer, conventions: result.poll.conventions, plans: result.poll.plans, withdrawn: result.poll.withdrawn });
    return result.poll;
  } catch (error) {
    const message =
      error instanceof PeerFetchError
        ? error.message
        : error instanceof MalformedFileError
          ? `il pacchetto di ${peer} non è utilizzabile: ${error.message}`
          : `importazione da ${peer} non riuscita: ${errorMessage(error)}`;
    await remember(peer, { checkedAt: new Date(), lastError: message }).catch(() => {});
    log("warn", "federation.poll_failed", { peer, error: message });
    return { peer, outcome: "failed", error: message };
  }
}

async function importPackage(peer: string, bytes: Uint8Array, options: PollOptions): Promise<{ name: string; poll: PollResult }> {
  const schemas = await ocdsSchemas(options.schemasDir);
  // Lenient: a peer's invalid release is left out (and reported), the valid ones are followed.
  const parsed = parseOcds(bytes, schemas, { lenient: true });
  const pkg = JSON.parse(new TextDecoder().decode(bytes).replace(/^\uFEFF/, "")) as Record<string, any>;
  const name = cut(`${parsed.source.name} (${peer})`, 200);
  const source = { name, licence: parsed.source.licence };
  const prefix = peerKeyPrefix(peer);
  const rejectedPaths = new Set(parsed.rejected.flatMap((r) => ("path" in r.where ? [r.where.path] : [])));

  // The catalog's own instruments (and other sources'): a peer's instrument with the same CIG or title is the same one, not imported twice.
  const db = await getDb();
  const others = (await db.select({ cig: conventions.cig, title: conventions.title, sourceKey: conventions.sourceKey }).from(conventions)).filter(
    (c) => !c.sourceKey?.startsWith(prefix),
  );
  const knownCigs = new Set(others.flatMap((c) => (c.cig ? [c.cig] : [])));
  const knownTitles = new Set(others.map((c) => foldTitle(c.title)));
  const instruments = parsed.entries
    .filter((e) => e.type === "instrument" && !e.example && !(e.cig && knownCigs.has(e.cig)) && !knownTitles.has(foldTitle(e.title)))
    .map((e) => ({ ...e, sourceKey: `${prefix}${e.sourceKey.replace(/^ocds:/, "")}` }));
  const conventionResult = await applyImport({ ...parsed, source, entries: instruments, rejected: [] }, { partial: true });

  const items = planItemsOf(pkg, rejectedPaths).filter((i) => !i.example);
  const plans = await writePlanItems(prefix, items, source);

  // What the peer still lists (valid or not this time, so a release it sent malformed once is not dropped); less what it withdrew.
  const withdrawn = withdrawnOcids(pkg);
  const listed = new Set<string>(
    [...(Array.isArray(pkg.releases) ? pkg.releases : []), ...(Array.isArray(pkg.records) ? pkg.records : [])]
      .map((r: Record<string, any>) => String(r?.ocid))
      .filter((ocid) => !withdrawn.has(ocid)),
  );
  const removed = await removeWithdrawn(prefix, listed);
  return {
    name,
    poll: {
      peer,
      outcome: "imported",
      conventions: { created: conventionResult.created, updated: conventionResult.updated, unchanged: conventionResult.unchanged, rejected: [...parsed.rejected, ...conventionResult.rejected] },
      plans,
      withdrawn: removed,
    },
  };
}

const foldTitle = (title: string) => title.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim();

const cents = (euro: number | undefined) => (euro === undefined ? null : Math.round(euro * 100));

async function planFor(tx: Transaction, aggregatorId: string, year: number): Promise<number> {
  const [plan] = await tx
    .select({ id: activityPlans.id })
    .from(activityPlans)
    .where(and(eq(activityPlans.aggregatorId, aggregatorId), eq(activityPlans.year, year)));
  if (plan) return plan.id;
  const [inserted] = await tx.insert(activityPlans).values({ aggregatorId, year, notes: "", isExample: false }).returning({ id: activityPlans.id });
  return inserted!.id;
}

/** Creates or updates the peer's plan items (by source key) in the plans of their aggregators; a new one is announced. */
async function writePlanItems(prefix: string, items: PeerPlanItem[], source: { name: string; licence: string }) {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  if (items.length === 0) return counts;
  const categories = new Map<string, string | null>();
  for (const item of items) {
    const key = `${item.cpvCode ?? ""}|${item.categoryName ?? ""}`;
    if (!categories.has(key)) categories.set(key, await importedCategoryId(item.cpvCode, item.categoryName));
  }
  await transactionsSettled();
  const db = await getDb();
  await db.transaction(async (tx) => {
    for (const item of items) {
      const aggregatorId = await importedAggregatorId(tx, item.aggregator, source);
      const planId = await planFor(tx, aggregatorId, item.year);
      const sourceKey = `${prefix}${item.ocid}`;
      const row = {
        planId,
        title: item.title,
        categoryId: categories.get(`${item.cpvCode ?? ""}|${item.categoryName ?? ""}`) ?? null,
        instrumentType: item.instrumentType,
        expectedPeriod: item.expectedPeriod,
        estimatedValue: cents(item.estimatedValue),
        sourceName: source.name,
      };
      const [existing] = await tx.select().from(activityPlanItems).where(eq(activityPlanItems.sourceKey, sourceKey));
      if (existing) {
        const same = (Object.keys(row) as (keyof typeof row)[]).every((k) => existing[k] === row[k]);
        if (same) {
          counts.unchanged += 1;
          continue;
        }
        await tx.update(activityPlanItems).set(row).where(eq(activityPlanItems.id, existing.id));
        counts.updated += 1;
        continue;
      }
      const [inserted] = await tx.insert(activityPlanItems).values({ ...row, sourceKey }).returning({ id: activityPlanItems.id });
      counts.created += 1;
      const [aggregator] = await tx.all<{ region: string }>(sql`SELECT region FROM aggregators WHERE id = ${aggregatorId}`);
      await announce(tx, {
        kind: "planned",
        eventKey: `plan-item:${inserted!.id}:published`,
        entityType: "activity_plan_item",
        entityId: inserted!.id,
        title: item.title,
        summary: `Piano delle attività ${item.year} (fonte: ${source.name})`,
        path: `/piani-attivita?anno=${item.year}#piano-${aggregatorId}`,
        categoryId: row.categoryId,
        aggregatorIds: [aggregatorId],
        regions: aggregator ? [aggregator.region] : [],
      });
    }
  });
  return counts;
}

/** Removes the peer's conventions and plan items whose ocid it no longer lists (or lists as withdrawn); plans left empty by it go too. */
async function removeWithdrawn(prefix: string, listed: Set<string>) {
  const db = await getDb();
  const ocidOf = (key: string) => key.slice(prefix.length);
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const likePrefix = (column: typeof conventions.sourceKey | typeof activityPlanItems.sourceKey) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;
  await transactionsSettled();
  return db.transaction(async (tx) => {
    const followed = await tx.select({ id: conventions.id, key: conventions.sourceKey }).from(conventions).where(and(isNotNull(conventions.sourceKey), likePrefix(conventions.sourceKey)));
    const goneConventions = followed.filter((c) => !listed.has(ocidOf(c.key!))).map((c) => c.id);
    if (goneConventions.length > 0) await tx.delete(conventions).where(inArray(conventions.id, goneConventions));
    const items = await tx
      .select({ id: activityPlanItems.id, key: activityPlanItems.sourceKey, planId: activityPlanItems.planId })
      .from(activityPlanItems)
      .where(and(isNotNull(activityPlanItems.sourceKey), likePrefix(activityPlanItems.sourceKey)));
    const goneItems = items.filter((i) => !listed.has(ocidOf(i.key!)));
    if (goneItems.length > 0) {
      await tx.delete(activityPlanItems).where(inArray(activityPlanItems.id, goneItems.map((i) => i.id)));
      for (const planId of new Set(goneItems.map((i) => i.planId))) {
        const [left] = await tx.select({ id: activityPlanItems.id }).from(activityPlanItems).where(eq(activityPlanItems.planId, planId)).limit(1);
        if (!left) await tx.delete(activityPlans).where(and(eq(activityPlans.id, planId), eq(activityPlans.notes, "")));
      }
    }
    return { conventions: goneConventions.length, planItems: goneItems.length };
  });
}

