/**
 * Upload handling for the press form. Files are stored as soon as they
 * arrive, unlinked, so a form sent back for corrections keeps them (the form
 * carries their ids); saving links them to the release. Unlinked files older
 * than a day are removed by the press job.
 */
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import { attachments, pressReleases } from "@db/schema";
import { getDb } from "@/lib/db";
import {
  cleanFileName,
  isAttachmentId,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS_PER_FORM,
  newAttachmentId,
  readStoredFile,
  removeStoredFile,
  sniffType,
  storeFile,
} from "./attachments";
import type { AttachmentRow } from "./read";

/** Stores the uploaded files; returns the new rows and, for refused files, one Italian message. */
export async function storeUploads(files: File[]): Promise<{ stored: AttachmentRow[]; error?: string }> {
  const real = files.filter((f) => f.size > 0 || f.name !== "");
  if (real.length > MAX_ATTACHMENTS_PER_FORM) {
    return { stored: [], error: `Puoi allegare al massimo ${MAX_ATTACHMENTS_PER_FORM} file alla volta.` };
  }
  const db = await getDb();
  const stored: AttachmentRow[] = [];
  const refused: string[] = [];
  for (const file of real) {
    const shownName = file.name.slice(0, 120) || "senza nome";
    if (file.size === 0) {
      refused.push(`«${shownName}» è vuoto`);
      continue;
    }
    if (file.size > MAX_ATTACHMENT_BYTES) {
      refused.push(`«${shownName}» supera ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`);
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const type = sniffType(bytes);
    if (!type) {
      refused.push(`«${shownName}» non è un PDF, PNG o JPEG`);
      continue;
    }
    const id = newAttachmentId();
    const sha256 = await storeFile(id, bytes);
    const [row] = await db
      .insert(attachments)
      .values({ id, pressReleaseId: null, originalName: cleanFileName(file.name, type.ext), mimeType: type.mime, size: bytes.length, sha256 })
      .returning();
    stored.push(row!);
  }
  const error = refused.length ? `File non accettati: ${refused.join("; ")}. Sono ammessi PDF, PNG e JPEG fino a ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB.` : undefined;
  return { stored, error };
}

/** Unlinked uploads by id (the ones a returned form carries). */
export async function pendingUploads(ids: string[]): Promise<AttachmentRow[]> {
  const valid = ids.filter(isAttachmentId);
  if (!valid.length) return [];
  const db = await getDb();
  return db.select().from(attachments).where(and(inArray(attachments.id, valid), isNull(attachments.pressReleaseId)));
}

/**
 * An attachment and its bytes for download. Files of unpublished items are
 * only for the back office; unknown ids, unlinked uploads and missing files
 * give undefined.
 */
export async function attachmentForDownload(id: string, canSeeDrafts: boolean): Promise<{ row: AttachmentRow; bytes: Buffer } | undefined> {
  if (!isAttachmentId(id)) return undefined;
  const db = await getDb();
  const [found] = await db
    .select({ row: attachments, status: pressReleases.status })
    .from(attachments)
    .innerJoin(pressReleases, eq(pressReleases.id, attachments.pressReleaseId))
    .where(eq(attachments.id, id));
  if (!found || (found.status !== "published" && !canSeeDrafts)) return undefined;
  try {
    return { row: found.row, bytes: await readStoredFile(id) };
  } catch {
    return undefined;
  }
}

/** Removes uploads never linked to a release after a day. */
export async function pruneUnlinkedUploads(now = Date.now()): Promise<number> {
  const db = await getDb();
  const stale = await db
    .delete(attachments)
    .where(and(isNull(attachments.pressReleaseId), lt(attachments.createdAt, new Date(now - 24 * 60 * 60 * 1000))))
    .returning({ id: attachments.id });
  for (const { id } of stale) await removeStoredFile(id);
  return stale.length;
}
