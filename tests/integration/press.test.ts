import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcements, attachments, auditLog, pressReleases } from "@db/schema";
import { overrideConfig } from "@/config";
import { ContentFileError } from "@/lib/content-files";
import {
  attachmentForDownload,
  getBySlug,
  listPublished,
  publishDue,
  savePressRelease,
  storeUploads,
  unpublish,
} from "@/press";
import { toRomeLocal } from "@/lib/dates";
import { pressSeed } from "@/press/seed";
import { createUser } from "@/accounts";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { TEST_PASSWORD } from "../helpers/auth";

describe("publishing press releases", () => {
  let db: TestDatabase;
  let uploadsDir: string;
  let editor: { id: string; label: string };

  const base = {
    kind: "press_release" as const,
    summary: "Sommario di prova",
    body: "Testo del comunicato.",
    contactBlock: "Ufficio stampa",
    aggregators: ["consip"],
    categories: ["pulizia-uffici"],
    publishAt: "",
    attachmentIds: [] as string[],
    removeAttachments: [] as string[],
  };

  beforeAll(async () => {
    uploadsDir = await mkdtemp(path.join(os.tmpdir(), "aggrega-uploads-"));
    overrideConfig({ UPLOADS_DIR: uploadsDir });
    db = await createTestDatabase({ seed: true });
    const { id } = await createUser({ email: "redazione@example.it", name: "Rita Redazione", role: "editor", password: TEST_PASSWORD });
    editor = { id, label: "Rita Redazione (editor)" };
  });
  afterAll(async () => {
    await db?.cleanup();
    await rm(uploadsDir, { recursive: true, force: true });
  });

  const pressAnnouncements = (id: number) => db.db.select().from(announcements).where(eq(announcements.eventKey, `press:${id}:published`));

  it("announces and audits a publication in the same transaction, once", async () => {
    const { id, slug } = await savePressRelease(undefined, { ...base, title: "Nuova convenzione per la pulizia", status: "published" }, editor);
    expect(slug).toBe("nuova-convenzione-per-la-pulizia");
    const [announcement] = await pressAnnouncements(id);
    expect(announcement).toMatchObject({
      kind: "press",
      path: `/sala-stampa/${slug}`,
      categoryId: "pulizia-uffici",
      aggregatorIds: ["consip"],
      title: "Nuova convenzione per la pulizia",
    });
    const audit = await db.db.select().from(auditLog).where(and(eq(auditLog.entityType, "press_release"), eq(auditLog.entityId, String(id))));
    expect(audit.map((a) => a.action)).toEqual(["press.created", "press.published"]);
    await savePressRelease(id, { ...base, title: "Nuova convenzione per la pulizia (aggiornato)", status: "published" }, editor);
    expect(await pressAnnouncements(id)).toHaveLength(1);
    expect((await getBySlug(slug))!.release.title).toContain("aggiornato");
  });

  it("rolls the publication back when the announcement cannot be written", async () => {
    await db.client.execute("CREATE TRIGGER block_press BEFORE INSERT ON announcements WHEN NEW.kind = 'press' BEGIN SELECT RAISE(ABORT, 'outbox down'); END");
    try {
      await expect(savePressRelease(undefined, { ...base, title: "Non deve uscire", status: "published" }, editor)).rejects.toThrow();
    } finally {
      await db.client.execute("DROP TRIGGER block_press");
    }
    expect(await db.db.select().from(pressReleases).where(eq(pressReleases.title, "Non deve uscire"))).toHaveLength(0);
  });

  it("publishes a scheduled item when its time comes, once however often the job runs", async () => {
    const soon = new Date(Date.now() + 60_000);
    const { id, slug } = await savePressRelease(undefined, { ...base, title: "Comunicato programmato", status: "scheduled", publishAt: toRomeLocal(soon) }, editor);
    expect(await getBySlug(slug)).toBeUndefined();
    expect(await publishDue(new Date())).toBe(0);
    const later = new Date(soon.getTime() + 60_000);
    expect(await publishDue(later)).toBe(1);
    expect(await publishDue(later)).toBe(0);
    expect(await pressAnnouncements(id)).toHaveLength(1);
    expect((await getBySlug(slug))!.release.status).toBe("published");
  });

  it("unpublishes, and a later re-publication does not announce twice", async () => {
    const { id, slug } = await savePressRelease(undefined, { ...base, title: "Da ritirare", status: "published" }, editor);
    await unpublish(id, editor);
    expect(await getBySlug(slug)).toBeUndefined();
    await savePressRelease(id, { ...base, title: "Da ritirare", status: "published" }, editor);
    expect(await getBySlug(slug)).toBeDefined();
    expect(await pressAnnouncements(id)).toHaveLength(1);
  });

  it("refuses tags that are not in the catalog", async () => {
    await expect(savePressRelease(undefined, { ...base, title: "Tag sbagliato", aggregators: ["non-esiste"], status: "draft" }, editor)).rejects.toThrow(/non esiste/);
  });

  it("stores uploads under random names, links them on save and hides drafts' files from the public", async () => {
    const pdf = new File([new TextEncoder().encode("%PDF-1.4\n%%EOF\n")], "../../Relazione.pdf", { type: "text/html" });
    const fake = new File([new TextEncoder().encode("<script>alert(1)</script>")], "finto.pdf", { type: "application/pdf" });
    const { stored, error } = await storeUploads([pdf, fake]);
    expect(error).toContain("«finto.pdf» non è un PDF, PNG o JPEG");
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ originalName: "Relazione.pdf", mimeType: "application/pdf" });
    expect(stored[0]!.id).toMatch(/^[0-9a-f]{32}$/);
    const { id } = await savePressRelease(undefined, { ...base, title: "Con allegato", status: "draft", attachmentIds: [stored[0]!.id] }, editor);
    const [row] = await db.db.select().from(attachments).where(eq(attachments.id, stored[0]!.id));
    expect(row!.pressReleaseId).toBe(id);
    expect(await attachmentForDownload(stored[0]!.id, false)).toBeUndefined();
    expect((await attachmentForDownload(stored[0]!.id, true))!.bytes.toString()).toContain("%PDF");
    expect(await attachmentForDownload("../../etc/passwd", true)).toBeUndefined();
    const big = new File([new Uint8Array(11 * 1024 * 1024)], "grande.pdf");
    expect((await storeUploads([big])).error).toContain("supera 10 MB");
  });

  it("lists published items by year (Italian time) and tag", async () => {
    const all = await listPublished({ page: 1 });
    expect(all.items.every((i) => i.status === "published")).toBe(true);
    const y2017 = await listPublished({ year: 2017, page: 1 });
    expect(y2017.items.map((i) => i.slug)).toEqual(["gruppo-tecnico-soggetti-aggregatori-palazzo-isimbardi"]);
    const roads = await listPublished({ tag: "categoria:manutenzione-strade", page: 1 });
    expect(roads.items.map((i) => i.slug)).toContain("gruppo-tecnico-soggetti-aggregatori-palazzo-isimbardi");
    expect(roads.items.map((i) => i.slug)).not.toContain("protocollo-consip-intercent-er");
    const intercent = await listPublished({ tag: "aggregatore:intercent-er", page: 1 });
    expect(intercent.items.map((i) => i.slug)).toContain("protocollo-consip-intercent-er");
  });

  it("seeds idempotently by slug", async () => {
    const before = await db.db.select().from(pressReleases);
    const summary = await pressSeed.run({ db: db.db, seedDir: path.join(ROOT, "content/seed"), root: ROOT, progress: () => {} });
    expect(summary).toContain("(0 nuovi)");
    expect(await db.db.select().from(pressReleases)).toHaveLength(before.length);
    const seeded = await getBySlug("gruppo-tecnico-soggetti-aggregatori-palazzo-isimbardi");
    expect(seeded!.release.publishedAt!.toISOString()).toBe("2017-03-20T09:00:00.000Z");
    expect(seeded!.release.contactBlock).toContain("stampa@cittametropolitana.milano.it");
    expect(seeded!.tags.map((t) => t.id)).toEqual(expect.arrayContaining(["citta-metropolitana-milano", "manutenzione-strade"]));
  });

  it.each([
    ["date: ieri", "campo «date»"],
    ["kind: intervista", "campo «kind»"],
    ["categories: [non-esiste]", "campo «categories › voce 1»"],
  ])("names file and field when the frontmatter has %j", async (line, field) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "aggrega-press-seed-"));
    try {
      await cp(path.join(ROOT, "content/seed/press"), path.join(dir, "press"), { recursive: true });
      const key = line.split(":")[0]!;
      const good = ["slug: prova-rotta", "title: Prova rotta", "date: 2026-01-10", "kind: news", "aggregators: []", "categories: []"];
      const lines = ["---", ...good.filter((l) => !l.startsWith(`${key}:`))];
      await writeFile(path.join(dir, "press", "rotto.md"), [...lines, line, "---", "Testo."].join("\n"));
      const run = pressSeed.run({ db: db.db, seedDir: dir, root: dir, progress: () => {} });
      await expect(run).rejects.toThrow(ContentFileError);
      await expect(run).rejects.toThrow(`press/rotto.md: ${field}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
