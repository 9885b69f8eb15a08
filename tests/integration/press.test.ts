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
  contentDisposition,
  getBySlug,
  listPublished,
  publishDue,
  renderMarkdown,
  savePressRelease,
  sniffType,
  storeUploads,
  unpublish,
} from "@/press";
import { cleanFileName } from "@/press/attachments";
import { fromRomeLocal, toRomeLocal } from "@/lib/dates";
import { pressSeed } from "@/press/seed";
import { createUser } from "@/accounts";
import { createTestDatabase, ROOT, type TestDatabase } from "../helpers/db";
import { TEST_PASSWORD } from "../helpers/auth";

/** Classic XSS vectors (OWASP filter-evasion cheat sheet and friends), as Markdown or raw HTML. */
const XSS_PAYLOADS = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
  "<img src=x onerror=alert(1)>",
  '<svg onload="alert(1)"><circle /></svg>',
  "<iframe src=\"javascript:alert(1)\"></iframe>",
  "[clicca](javascript:alert(1))",
  "[clicca](JaVaScRiPt:alert(1))",
  "[clicca](&#106;avascript:alert(1))",
  "[clicca](java\tscript:alert(1))",
  "[clicca](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "[clicca](vbscript:msgbox(1))",
  "![img](javascript:alert(1))",
  '<a href="javascript:alert(1)">x</a>',
  '<a href="#" onclick="alert(1)">x</a>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  "<div onmouseover=alert(1)>passa qui</div>",
  "<body onload=alert(1)>",
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<input autofocus onfocus=alert(1)>',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
  "<<script>script>alert(1)<</script>/script>",
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel="stylesheet" href="https://evil.example/x.css">',
  "<base href=\"https://evil.example/\">",
  '[x](https://example.it "titolo" onmouseover="alert(1)")',
  "<details open ontoggle=alert(1)>",
  "`<script>alert(1)</script>` e ```\n<script>alert(1)</script>\n```",
  "<a href=\"//evil.example\">protocol-relative</a>",
];

describe("Markdown sanitisation", () => {
  it.each(XSS_PAYLOADS)("neutralises %j", (payload) => {
    const html = renderMarkdown(`Testo prima.\n\n${payload}\n\nTesto dopo.`);
    // Text is escaped (&lt; &gt;), so every "<…>" left is a real tag: only those can carry attributes.
    const tags = (html.match(/<[^>]*>/g) ?? []).join(" ");
    expect(tags).not.toMatch(/<\/?(script|iframe|object|embed|form|input|svg|math|img|style|meta|link|base|body|details)\b/i);
    expect(tags).not.toMatch(/\son\w+\s*=/i);
    expect(tags).not.toMatch(/(javascript|vbscript|data):/i);
    expect(tags).not.toMatch(/\sstyle\s*=/i);
    expect(tags).not.toMatch(/href="\/\//i);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("Testo dopo.");
  });

  it("keeps the formatting a press release needs", () => {
    const html = renderMarkdown("# Titolo\n\nUn **grassetto**, un _corsivo_ e [un link](https://www.consip.it).\n\n- uno\n- due\n\n> citazione");
    expect(html).toContain("<h2>Titolo</h2>");
    expect(html).toContain("<strong>grassetto</strong>");
    expect(html).toContain("<em>corsivo</em>");
    expect(html).toContain('<a href="https://www.consip.it" rel="noopener noreferrer">un link</a>');
    expect(html).toContain("<li>uno</li>");
    expect(html).toContain("<blockquote>");
  });
});

describe("attachment checks", () => {
  it("reads the type from magic bytes, not from the name", () => {
    expect(sniffType(new TextEncoder().encode("%PDF-1.7\n..."))?.mime).toBe("application/pdf");
    expect(sniffType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))?.mime).toBe("image/png");
    expect(sniffType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))?.mime).toBe("image/jpeg");
    expect(sniffType(new TextEncoder().encode("<html><script>alert(1)</script>"))).toBeNull();
    expect(sniffType(new TextEncoder().encode("MZ\x90\x00"))).toBeNull();
  });

  it("cleans names for display and Content-Disposition", () => {
    expect(cleanFileName("../../etc/passwd", "pdf")).toBe("passwd.pdf");
    expect(cleanFileName('C:\\Users\\x\\rel"azione".exe', "pdf")).toBe("relazione.pdf");
    expect(cleanFileName("\u0000\u0007", "png")).toBe("allegato.png");
    expect(contentDisposition("Relazione finale è.pdf")).toBe(`attachment; filename="Relazione finale e.pdf"; filename*=UTF-8''Relazione%20finale%20%C3%A8.pdf`);
    expect(contentDisposition("a\"b\r\nSet-Cookie: x.pdf")).not.toMatch(/[\r\n]/);
  });
});

describe("Rome wall-clock times", () => {
  it("round-trips across daylight saving time", () => {
    expect(fromRomeLocal("2026-07-01T09:30")!.toISOString()).toBe("2026-07-01T07:30:00.000Z");
    expect(fromRomeLocal("2026-12-01T09:30")!.toISOString()).toBe("2026-12-01T08:30:00.000Z");
    expect(toRomeLocal(new Date("2026-12-01T08:30:00Z"))).toBe("2026-12-01T09:30");
    expect(fromRomeLocal("2026-02-30T09:30")).toBeNull();
    expect(fromRomeLocal("domani")).toBeNull();
  });
});

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
