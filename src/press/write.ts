/**
 * Press releases and news as they are written: saving from the back office,
 * publishing (now or on schedule) and unpublishing. Publishing writes the
 * announcement (src/outbox) and the audit entry in the same transaction as
 * the status change, so subscribers hear of exactly what went live.
 */
import { and, asc, eq, inArray, isNull, lte } from "drizzle-orm";
import { aggregators, attachments, categories, pressReleases, pressReleaseTags } from "@db/schema";
import { announce } from "@/outbox";
import { changesBetween, recordAudit, type Actor } from "@/lib/audit";
import { getDb, type Database, type Transaction } from "@/lib/db";
import { Refusal } from "@/lib/refusal";
import { config, operatorOf } from "@/config";
import { fromRomeLocal } from "@/lib/dates";
import type { PressFormInput } from "./schemas";
import { removeStoredFile } from "./attachments";
import { readTags, type PressStatus, type Tags } from "./read";

/** A refusal from the press functions, shown on the form field it names. */
export class PressError extends Refusal {
  override name = "PressError";
}

/**
 * The press office block proposed for new items, in the style of a press release's INFO footer: only what the
 * operator configured (OPERATOR_*, OFFICE_EMAIL), never a placeholder address or telephone number.
 */
export function defaultContactBlock(): string {
  const cfg = config();
  const operator = operatorOf(cfg);
  return [
    operator.example ? "Ufficio stampa" : `Ufficio stampa – ${operator.name}`,
    operator.example ? null : operator.address,
    operator.phone ? `Tel. ${operator.phone}` : null,
    cfg.OFFICE_EMAIL,
    new URL(cfg.siteUrl).host,
  ]
    .filter((line): line is string => line !== null)
    .join("\n");
}

/** "Città metropolitana: incontro!" → "citta-metropolitana-incontro". */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/g, "");
  return slug || "comunicato";
}

async function uniqueSlug(tx: Transaction, title: string): Promise<string> {
  const base = slugify(title);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    const [taken] = await tx.select({ id: pressReleases.id }).from(pressReleases).where(eq(pressReleases.slug, candidate));
    if (!taken) return candidate;
  }
}

async function checkTags(tx: Transaction, tags: Tags): Promise<void> {
  if (tags.aggregators.length) {
    const found = await tx.select({ id: aggregators.id }).from(aggregators).where(inArray(aggregators.id, tags.aggregators));
    if (found.length !== new Set(tags.aggregators).size) throw new PressError("Uno dei soggetti aggregatori scelti non esiste più.", "aggregators");
  }
  if (tags.categories.length) {
    const found = await tx.select({ id: categories.id }).from(categories).where(inArray(categories.id, tags.categories));
    if (found.length !== new Set(tags.categories).size) throw new PressError("Una delle categorie scelte non esiste più.", "categories");
  }
}

async function writeTags(tx: Transaction, releaseId: number, tags: Tags): Promise<void> {
  await tx.delete(pressReleaseTags).where(eq(pressReleaseTags.pressReleaseId, releaseId));
  const rows = [
    ...[...new Set(tags.aggregators)].map((tagId) => ({ pressReleaseId: releaseId, tagType: "aggregator" as const, tagId })),
    ...[...new Set(tags.categories)].map((tagId) => ({ pressReleaseId: releaseId, tagType: "category" as const, tagId })),
  ];
  if (rows.length) await tx.insert(pressReleaseTags).values(rows);
}


/**
 * Marks a release published and, in the same transaction, announces it and
 * records who did it. Only a row in `fromStatuses` moves, so two workers
 * publishing the same scheduled item announce it once.
 */
async function publishInTx(tx: Transaction, releaseId: number, actor: Actor, fromStatuses: PressStatus[], now: Date): Promise<boolean> {
  const [row] = await tx
    .update(pressReleases)
    .set({ status: "published", publishedAt: now, updatedAt: now })
    .where(and(eq(pressReleases.id, releaseId), inArray(pressReleases.status, fromStatuses)))
    .returning();
  if (!row) return false;
  const tags = await readTags(tx, releaseId);
  const regions = tags.aggregators.length
    ? (await tx.selectDistinct({ region: aggregators.region }).from(aggregators).where(inArray(aggregators.id, tags.aggregators))).map((r) => r.region)
    : [];
  await announce(tx, {
    kind: "press",
    eventKey: `press:${releaseId}:published`,
    entityType: "press_release",
    entityId: releaseId,
    title: row.title,
    summary: row.summary,
    path: `/sala-stampa/${row.slug}`,
    categoryId: tags.categories[0] ?? null,
    aggregatorIds: tags.aggregators,
    regions,
  });
  await recordAudit(tx, actor, "press.published", { type: "press_release", id: releaseId }, { slug: row.slug, title: row.title });
  return true;
}

export interface SaveInput extends Omit<PressFormInput, "azione" | "attachmentIds" | "removeAttachments"> {
  /** Uploads already stored (see storeUploads) to link to this release. */
  attachmentIds: string[];
  removeAttachments: string[];
  isExample?: boolean;
  /** Fixed slug (the seed); new back-office items get one from the title. */
  slug?: string;
}

/**
 * Creates (no id) or updates a release from the back-office form. Choosing
 * "published" publishes now; "scheduled" waits for publishAt; "draft" on a
 * published item takes it offline.
 */
export async function savePressRelease(
  id: number | undefined,
  input: SaveInput,
  actor: Actor,
  options: { now?: Date; db?: Database } = {},
): Promise<{ id: number; slug: string }> {
  const db = options.db ?? (await getDb());
  const now = options.now ?? new Date();
  const removed: string[] = [];
  const result = await db.transaction(async (tx) => {
    await checkTags(tx, input);
    const existing = id === undefined ? undefined : (await tx.select().from(pressReleases).where(eq(pressReleases.id, id)))[0];
    if (id !== undefined && !existing) throw new PressError("Il comunicato non esiste più.");
    const content = {
      kind: input.kind,
      title: input.title,
      summary: input.summary,
      bodyMarkdown: input.body,
      contactBlock: input.contactBlock,
      isExample: input.isExample ?? existing?.isExample ?? false,
      updatedAt: now,
    };
    const publishAt = input.status === "scheduled" ? fromRomeLocal(input.publishAt) : null;
    let releaseId: number;
    let slug: string;
    if (existing) {
      releaseId = existing.id;
      slug = existing.slug;
      // "published" leaves the status for publishInTx to move (once); "draft" on a live item takes it offline.
      const status: PressStatus =
        input.status === "published" ? existing.status : input.status === "draft" && existing.status === "published" ? "unpublished" : input.status;
      const leavesPublished = existing.status === "published" && input.status !== "published";
      await tx.update(pressReleases).set({ ...content, status, publishAt }).where(eq(pressReleases.id, releaseId));
      const changes = changesBetween(existing, { ...content, status, publishAt }, ["kind", "title", "summary", "bodyMarkdown", "contactBlock", "isExample", "status", "publishAt"]);
      await recordAudit(tx, actor, leavesPublished ? "press.unpublished" : "press.updated", { type: "press_release", id: releaseId }, { changes });
    } else {
      slug = input.slug ?? (await uniqueSlug(tx, input.title));
      const [row] = await tx
        .insert(pressReleases)
        .values({ ...content, slug, status: input.status === "scheduled" ? "scheduled" : "draft", publishAt, authorId: actor.id })
        .returning({ id: pressReleases.id });
      releaseId = row!.id;
      await recordAudit(tx, actor, "press.created", { type: "press_release", id: releaseId }, { slug, title: input.title });
    }
    await writeTags(tx, releaseId, input);
    if (input.attachmentIds.length) {
      await tx
        .update(attachments)
        .set({ pressReleaseId: releaseId })
        .where(and(inArray(attachments.id, input.attachmentIds), isNull(attachments.pressReleaseId)));
    }
    if (input.removeAttachments.length) {
      const gone = await tx
        .delete(attachments)
        .where(and(inArray(attachments.id, input.removeAttachments), eq(attachments.pressReleaseId, releaseId)))
        .returning({ id: attachments.id });
      removed.push(...gone.map((g) => g.id));
    }
    if (input.status === "published") await publishInTx(tx, releaseId, actor, ["draft", "scheduled", "unpublished"], now);
    if (input.status === "scheduled") {
      await recordAudit(tx, actor, "press.scheduled", { type: "press_release", id: releaseId }, { publishAt: publishAt?.toISOString() });
    }
    return { id: releaseId, slug };
  });
  // Files go only after the rows are gone, so a rolled-back change never loses a file.
  for (const fileId of removed) await removeStoredFile(fileId);
  return result;
}

/** Takes a published or scheduled item offline; it can be published again later. */
export async function unpublish(id: number, actor: Actor, now = new Date()): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(pressReleases)
      .set({ status: "unpublished", updatedAt: now })
      .where(and(eq(pressReleases.id, id), inArray(pressReleases.status, ["published", "scheduled"])))
      .returning({ id: pressReleases.id });
    if (!row) throw new PressError("Il comunicato non è pubblicato né programmato.");
    await recordAudit(tx, actor, "press.unpublished", { type: "press_release", id });
  });
}

/** Publishes now an existing release (the seed uses it; the form goes through savePressRelease). */
export async function publish(id: number, actor: Actor, now = new Date()): Promise<boolean> {
  const db = await getDb();
  return db.transaction((tx) => publishInTx(tx, id, actor, ["draft", "scheduled", "unpublished"], now));
}

/** Publishes every scheduled item whose time has come; returns how many went live. */
export async function publishDue(now = new Date()): Promise<number> {
  const db = await getDb();
  const due = await db
    .select({ id: pressReleases.id })
    .from(pressReleases)
    .where(and(eq(pressReleases.status, "scheduled"), lte(pressReleases.publishAt, now)))
    .orderBy(asc(pressReleases.publishAt));
  let published = 0;
  for (const { id } of due) {
    const done = await db.transaction((tx) => publishInTx(tx, id, { id: null, label: "pubblicazione programmata" }, ["scheduled"], now));
    if (done) published++;
  }
  return published;
}
