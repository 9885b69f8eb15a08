/**
 * Convention documents on a real database and uploads folder: the checks of
 * press attachments (empty, too large, type read from the bytes, kind
 * chosen), links made on save, documents of another convention refused,
 * removed documents' files deleted, unsaved uploads pruned after a day, and
 * each change in the audit record.
 */
import { access, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, conventionDocuments } from "@db/schema";
import { overrideConfig } from "@/config";
import { CatalogWriteError, documentForDownload, documentsOf, pruneUnsavedDocuments, saveConvention } from "@/catalog";
import { storeDocumentUpload } from "@/catalog/documents";
import { MAX_ATTACHMENT_BYTES } from "@/lib/stored-files";
import type { ConventionInput } from "@/catalog/seed-schema";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const actor = { id: null, label: "redazione (editor)" };
const PDF = new TextEncoder().encode("%PDF-1.7\n%%EOF\n") as Uint8Array<ArrayBuffer>;
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
const file = (bytes: Uint8Array<ArrayBuffer>, name: string) => new File([bytes], name);

const convention = (slug: string): ConventionInput => ({
  slug,
  aggregator: "consip",
  category: "pulizia-uffici",
  instrument: "convenzione",
  title: "Convenzione con documenti",
  summary: "",
  description: "",
  status: "active",
  example: true,
  lots: [],
});

describe("convention documents", () => {
  let db: TestDatabase;
  let uploadsDir: string;
  const exists = (id: string) => access(path.join(uploadsDir, id)).then(() => true, () => false);

  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
    uploadsDir = await mkdtemp(path.join(os.tmpdir(), "aggrega-documents-"));
    overrideConfig({ UPLOADS_DIR: uploadsDir });
  });
  afterAll(async () => {
    await db.cleanup();
    await rm(uploadsDir, { recursive: true, force: true });
  });

  it("refuses empty, oversized and disguised files, and uploads without a kind, in Italian", async () => {
    expect(await storeDocumentUpload(file(new Uint8Array(), "vuoto.pdf"), "capitolato")).toEqual({ error: "«vuoto.pdf» è vuoto." });
    expect((await storeDocumentUpload(file(new Uint8Array(MAX_ATTACHMENT_BYTES + 1), "grande.pdf"), "capitolato")).error).toBe("«grande.pdf» supera 10 MB.");
    expect((await storeDocumentUpload(file(new TextEncoder().encode("<script>"), "finto.pdf"), "capitolato")).error).toMatch(/^«finto\.pdf» non è un PDF, PNG o JPEG/);
    expect((await storeDocumentUpload(file(PDF, "guida.pdf"), "bilancio")).error).toBe("Scegli il tipo del documento da caricare.");
    expect(await db.db.select().from(conventionDocuments)).toEqual([]);
  });

  it("links uploads on save, refuses another convention's document, removes dropped files and audits each change", async () => {
    const guide = (await storeDocumentUpload(file(PDF, "../../Guida alla convenzione.exe"), "guida")).row!;
    expect(guide).toMatchObject({ conventionId: null, kind: "guida", originalName: "Guida alla convenzione.pdf", mimeType: "application/pdf", size: PDF.length });
    // Not downloadable by visitors until it is saved with a convention.
    expect(await documentForDownload(guide.id, false)).toBeUndefined();
    expect((await documentForDownload(guide.id, true))?.bytes.equals(Buffer.from(PDF))).toBe(true);
    const faq = (await storeDocumentUpload(file(JPEG, "faq.jpeg"), "faq")).row!;
    expect(faq.originalName).toBe("faq.jpg");

    const first = await saveConvention(convention("con-documenti"), { actor, documents: [{ id: guide.id, kind: "guida" }, { id: faq.id, kind: "faq" }] });
    expect((await documentsOf(first.id)).map((d) => [d.originalName, d.kind, d.position])).toEqual([["Guida alla convenzione.pdf", "guida", 0], ["faq.jpg", "faq", 1]]);
    expect((await documentForDownload(guide.id, false))?.row.conventionId).toBe(first.id);

    // Another convention cannot take them over.
    const other = await saveConvention(convention("senza-documenti"), { actor });
    await expect(saveConvention(convention("senza-documenti"), { id: other.id, actor, documents: [{ id: guide.id, kind: "guida" }] })).rejects.toThrow(CatalogWriteError);

    // Same documents, same kinds: nothing to save.
    expect((await saveConvention(convention("con-documenti"), { id: first.id, actor, documents: [{ id: guide.id, kind: "guida" }, { id: faq.id, kind: "faq" }] })).unchanged).toBe(true);

    await saveConvention(convention("con-documenti"), { id: first.id, actor, documents: [{ id: guide.id, kind: "condizioni" }] });
    expect((await documentsOf(first.id)).map((d) => [d.id, d.kind])).toEqual([[guide.id, "condizioni"]]);
    expect(await exists(faq.id)).toBe(false);
    expect(await exists(guide.id)).toBe(true);
    const updates = (await db.db.select().from(auditLog).where(eq(auditLog.entityId, String(first.id)))).filter((a) => a.action === "convention.update");
    expect((updates.at(-1)!.details as { changes: unknown[] }).changes).toEqual([
      { field: "documents.Guida alla convenzione.pdf", before: "Guida alla convenzione", after: "Condizioni" },
      { field: "documents.faq.jpg", before: "Domande frequenti (FAQ)", after: null },
    ]);
  });

  it("prunes uploads never saved after a day, with their files", async () => {
    const stray = (await storeDocumentUpload(file(PDF, "dimenticato.pdf"), "listino")).row!;
    expect(await pruneUnsavedDocuments(Date.now())).toBe(0);
    expect(await pruneUnsavedDocuments(Date.now() + 25 * 60 * 60 * 1000)).toBe(1);
    expect(await exists(stray.id)).toBe(false);
    expect(await db.db.select().from(conventionDocuments).where(eq(conventionDocuments.id, stray.id))).toEqual([]);
  });
});
