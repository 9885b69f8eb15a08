/**
 * Documents of an instrument (guide, specifications, price list, conditions,
 * FAQ), uploaded in the convention editor with the checks of press
 * attachments (src/lib/stored-files.ts): size, type read from the first bytes
 * (PDF, PNG, JPEG), a cleaned file name, a random stored name. An upload is
 * stored at once without a convention, so a refused form keeps it (the form
 * carries its id); saving the convention links it. Unsaved uploads older
 * than a day are removed at the next upload.
 */
import { and, asc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { CONVENTION_DOCUMENT_KINDS, conventionDocuments, type ConventionDocumentKind } from "@db/schema";
import { getDb } from "@/lib/db";
import { cleanFileName, isAttachmentId, MAX_ATTACHMENT_BYTES, newAttachmentId, readStoredFile, removeStoredFile, sniffType, storeFile } from "@/lib/stored-files";
import type { FormValues } from "@/lib/forms";

export type ConventionDocument = typeof conventionDocuments.$inferSelect;

export const DOCUMENT_KIND_LABELS: Record<ConventionDocumentKind, string> = {
  guida: "Guida alla convenzione",
  capitolato: "Capitolato",
  listino: "Listino prezzi",
  condizioni: "Condizioni",
  faq: "Domande frequenti (FAQ)",
};

export const isDocumentKind = (value: unknown): value is ConventionDocumentKind =>
  typeof value === "string" && (CONVENTION_DOCUMENT_KINDS as readonly string[]).includes(value);

/** Documents one convention may have. */
export const MAX_DOCUMENTS = 30;

const MB = MAX_ATTACHMENT_BYTES / 1024 / 1024;

/** Stores one uploaded document, not yet linked; returns its row or an Italian message. */
export async function storeDocumentUpload(file: File, kind: unknown): Promise<{ row?: ConventionDocument; error?: string }> {
  const shownName = file.name.slice(0, 120) || "senza nome";
  if (file.size === 0) return { error: `«${shownName}» è vuoto.` };
  if (file.size > MAX_ATTACHMENT_BYTES) return { error: `«${shownName}» supera ${MB} MB.` };
  if (!isDocumentKind(kind)) return { error: "Scegli il tipo del documento da caricare." };
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = sniffType(bytes);
  if (!type) return { error: `«${shownName}» non è un PDF, PNG o JPEG: sono ammessi solo questi formati, fino a ${MB} MB.` };
  await pruneUnsavedDocuments();
  const id = newAttachmentId();
  const sha256 = await storeFile(id, bytes);
  const db = await getDb();
  const [row] = await db
    .insert(conventionDocuments)
    .values({ id, conventionId: null, kind, originalName: cleanFileName(file.name, type.ext), mimeType: type.mime, size: bytes.length, sha256 })
    .returning();
  return { row: row! };
}

/** Removes uploads never saved with a convention after a day. */
export async function pruneUnsavedDocuments(now = Date.now()): Promise<number> {
  const db = await getDb();
  const stale = await db
    .delete(conventionDocuments)
    .where(and(isNull(conventionDocuments.conventionId), lt(conventionDocuments.createdAt, new Date(now - 24 * 60 * 60 * 1000))))
    .returning({ id: conventionDocuments.id });
  for (const { id } of stale) await removeStoredFile(id);
  return stale.length;
}

/** A convention's documents, in order. */
export async function documentsOf(conventionId: number): Promise<ConventionDocument[]> {
  const db = await getDb();
  return db.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, conventionId)).orderBy(asc(conventionDocuments.position), asc(conventionDocuments.createdAt));
}

/** One row of the editor's document list. */
export interface DocumentRow {
  document: ConventionDocument;
  kind: ConventionDocumentKind;
  remove: boolean;
}

const DOCUMENT_KEY = /^documents\.(\d{1,3})\.(id|kind|remove)$/;

/**
 * The document rows a posted form carries (`documents.<row>.id|kind|remove`),
 * resolved against the database: only this convention's documents and
 * unsaved uploads are accepted, anything else is dropped.
 */
export async function postedDocumentRows(values: FormValues, conventionId: number | undefined): Promise<DocumentRow[]> {
  const byIndex = new Map<number, { id?: string; kind?: string; remove?: boolean }>();
  for (const [name, value] of Object.entries(values)) {
    const m = DOCUMENT_KEY.exec(name);
    if (!m) continue;
    const row = byIndex.get(Number(m[1])) ?? {};
    if (m[2] === "id") row.id = value;
    else if (m[2] === "kind") row.kind = value;
    else row.remove = value === "1";
    byIndex.set(Number(m[1]), row);
  }
  const posted = [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, r]) => r).filter((r) => r.id && isAttachmentId(r.id)).slice(0, MAX_DOCUMENTS);
  if (posted.length === 0) return [];
  const db = await getDb();
  const owner = conventionId === undefined ? isNull(conventionDocuments.conventionId) : or(isNull(conventionDocuments.conventionId), eq(conventionDocuments.conventionId, conventionId));
  const found = await db.select().from(conventionDocuments).where(and(inArray(conventionDocuments.id, posted.map((r) => r.id!)), owner));
  const byId = new Map(found.map((d) => [d.id, d]));
  const seen = new Set<string>();
  const rows: DocumentRow[] = [];
  for (const r of posted) {
    const document = byId.get(r.id!);
    if (!document || seen.has(document.id)) continue;
    seen.add(document.id);
    rows.push({ document, kind: isDocumentKind(r.kind) ? r.kind : document.kind, remove: r.remove ?? false });
  }
  return rows;
}

/** Stored documents as editor rows. */
export const storedDocumentRows = (documents: ConventionDocument[]): DocumentRow[] => documents.map((document) => ({ document, kind: document.kind, remove: false }));

/** A document and its bytes for download: saved documents for everyone, unsaved uploads for the back office. */
export async function documentForDownload(id: string, canSeeUnsaved: boolean): Promise<{ row: ConventionDocument; bytes: Buffer } | undefined> {
  if (!isAttachmentId(id)) return undefined;
  const db = await getDb();
  const [row] = await db.select().from(conventionDocuments).where(eq(conventionDocuments.id, id));
  if (!row || (row.conventionId === null && !canSeeUnsaved)) return undefined;
  try {
    return { row, bytes: await readStoredFile(id) };
  } catch {
    return undefined;
  }
}

/** "PDF", "PNG" or "JPEG" from the stored type. */
export function documentFormat(mimeType: string): string {
  return mimeType === "application/pdf" ? "PDF" : mimeType === "image/png" ? "PNG" : mimeType === "image/jpeg" ? "JPEG" : mimeType;
}

/** "1,2 MB" or "340 kB". */
export function documentSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} MB` : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}

export { CONVENTION_DOCUMENT_KINDS };
