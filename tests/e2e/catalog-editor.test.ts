/**
 * The convention editor in Chromium: lots as rows (added with «Aggiungi un
 * lotto», moved, removed), documents uploaded per instrument and listed on
 * the public page, a save without changes that loses nothing, and the audit
 * log's field-by-field account of a save.
 */
import { asc, eq } from "drizzle-orm";
import { describe } from "vitest";
import { auditLog, categoryCpvCodes, conventionDocuments, conventionLots, conventions } from "@db/schema";
import { createUserWithRole } from "../helpers/auth";
import { expect, expectNoAxeViolations, test } from "../helpers/e2e";

/** A small but real PDF (the type is read from its first bytes). */
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
/** The eight-byte PNG signature and a few bytes more. */
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("IHDR-prova")]);

const LOTS = [
  { number: "1", name: "Lotto nord", region: "Lombardia", territory: "Milano e Monza", supplier: "Ditta Nord S.p.A.", ceiling: "1.200.000", cig: "A1B2C3D4E5", used: "300.000", status: "active", startDate: "2027-02-01", endDate: "2029-06-30" },
  { number: "2", name: "Lotto centro", region: "Toscana", territory: "Firenze", supplier: "Centro Servizi S.r.l.", ceiling: "800.000,50", cig: "", used: "", status: "exhausted", startDate: "", endDate: "" },
  { number: "3", name: "Lotto sud", region: "Campania", territory: "", supplier: "", ceiling: "", cig: "", used: "", status: "", startDate: "", endDate: "" },
];

describe("the convention editor in a browser", () => {
  test("creates a convention with three lots and two documents, saves it again without losing a field, and audits a change field by field", async ({ siteDb, newContext, url }) => {
    const editor = await createUserWithRole("editor");
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(url("/gestione/catalogo/convenzioni/nuova"));
    await page.getByLabel("Indirizzo email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/convenzioni\/nuova$/);

    await page.getByLabel("Titolo").fill("Servizi di pulizia per gli enti di prova");
    await page.getByLabel("Indirizzo (slug)").fill("pulizia-enti-prova");
    await page.getByLabel("Soggetto aggregatore").selectOption("consip");
    await page.getByLabel("Categoria").selectOption("pulizia-uffici");
    await page.locator("select[name=status]").selectOption("active");
    await page.getByLabel("Attiva dal").fill("2027-01-01");
    await page.getByLabel("Scadenza").fill("2029-12-31");

    // One empty row to start with; «Aggiungi un lotto» gives one more each time, keeping what was typed.
    for (const [i, lot] of LOTS.entries()) {
      const row = page.getByRole("group", { name: `Lotto ${i + 1} (nuovo)` });
      await row.getByLabel("Numero").fill(lot.number);
      await row.getByLabel("Nome del lotto").fill(lot.name);
      await row.getByLabel("Regione").selectOption(lot.region);
      await row.getByLabel("Territorio").fill(lot.territory);
      await row.getByLabel("Fornitore").fill(lot.supplier);
      await row.getByLabel("Massimale (euro)").fill(lot.ceiling);
      await row.getByLabel("CIG del lotto").fill(lot.cig);
      await row.getByLabel("Importo utilizzato (euro)").fill(lot.used);
      await row.getByLabel("Stato del lotto").selectOption(lot.status);
      await row.getByLabel("Lotto attivo dal").fill(lot.startDate);
      await row.getByLabel("Lotto attivo fino al").fill(lot.endDate);
      if (i < LOTS.length - 1) {
        await page.getByRole("button", { name: "Aggiungi un lotto" }).click();
        await page.getByRole("group", { name: `Lotto ${i + 2} (nuovo)` }).waitFor();
      }
    }
    // Two documents: the first with «Carica il documento», the second sent with «Salva».
    await page.getByLabel("Tipo del nuovo documento").selectOption("capitolato");
    await page.getByLabel("Nuovo documento", { exact: true }).setInputFiles({ name: "Capitolato tecnico.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.getByRole("button", { name: "Carica il documento" }).click();
    await page.getByRole("link", { name: "Capitolato tecnico.pdf" }).waitFor();
    expect(await page.getByLabel("Nome del lotto").nth(2).inputValue()).toBe("Lotto sud");

    // A file that is not a PDF, PNG or JPEG is refused with a message, and nothing typed is lost.
    await page.getByLabel("Tipo del nuovo documento").selectOption("listino");
    await page.getByLabel("Nuovo documento", { exact: true }).setInputFiles({ name: "listino.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html>non un PDF</html>") });
    await page.getByRole("button", { name: "Salva", exact: true }).click();
    expect(await page.getByRole("alert").first().textContent()).toContain("non è un PDF, PNG o JPEG");
    expect(await page.getByLabel("Titolo").inputValue()).toBe("Servizi di pulizia per gli enti di prova");
    expect(await page.getByRole("link", { name: "Capitolato tecnico.pdf" }).count()).toBe(1);
    await expectNoAxeViolations(page);

    await page.getByLabel("Tipo del nuovo documento").selectOption("listino");
    await page.getByLabel("Nuovo documento", { exact: true }).setInputFiles({ name: "Listino prezzi 2027.png", mimeType: "image/png", buffer: PNG });
    await page.getByRole("button", { name: "Salva", exact: true }).click();
    await page.waitForURL(/\/gestione\/catalogo\/convenzioni\/\d+\?salvato$/);
    const id = Number(new URL(page.url()).pathname.split("/").pop());

    const snapshot = async () => ({
      convention: (await siteDb.db.select().from(conventions).where(eq(conventions.id, id)))[0]!,
      lots: (await siteDb.db.select().from(conventionLots).where(eq(conventionLots.conventionId, id)).orderBy(asc(conventionLots.number))).map(({ id: _, ...l }) => l),
      documents: await siteDb.db.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, id)).orderBy(asc(conventionDocuments.position)),
    });
    const saved = await snapshot();
    expect(saved.convention).toMatchObject({ title: "Servizi di pulizia per gli enti di prova", slug: "pulizia-enti-prova", status: "active", startDate: "2027-01-01", endDate: "2029-12-31" });
    expect(saved.lots).toEqual([
      { conventionId: id, number: 1, name: "Lotto nord", region: "Lombardia", territory: "Milano e Monza", supplier: "Ditta Nord S.p.A.", ceilingValue: 120_000_000, cig: "A1B2C3D4E5", usedValue: 30_000_000, status: "active", startDate: "2027-02-01", endDate: "2029-06-30" },
      { conventionId: id, number: 2, name: "Lotto centro", region: "Toscana", territory: "Firenze", supplier: "Centro Servizi S.r.l.", ceilingValue: 80_000_050, cig: null, usedValue: null, status: "exhausted", startDate: null, endDate: null },
      { conventionId: id, number: 3, name: "Lotto sud", region: "Campania", territory: "", supplier: null, ceilingValue: null, cig: null, usedValue: null, status: null, startDate: null, endDate: null },
    ]);
    expect(saved.documents.map((d) => [d.kind, d.originalName, d.mimeType, d.size])).toEqual([
      ["capitolato", "Capitolato tecnico.pdf", "application/pdf", PDF.length],
      ["listino", "Listino prezzi 2027.png", "image/png", PNG.length],
    ]);

    // Saving the form as shown changes nothing and records nothing.
    const auditsBefore = (await siteDb.db.select().from(auditLog).where(eq(auditLog.entityId, String(id)))).length;
    await page.goto(url(`/gestione/catalogo/convenzioni/${id}`));
    await page.getByRole("button", { name: "Salva", exact: true }).click();
    await page.waitForURL(/\?salvato$/);
    const again = await snapshot();
    expect({ ...again, convention: { ...again.convention, updatedAt: null } }).toEqual({ ...saved, convention: { ...saved.convention, updatedAt: null } });
    expect((await siteDb.db.select().from(auditLog).where(eq(auditLog.entityId, String(id)))).length).toBe(auditsBefore);

    // The public page lists the documents with type, format and size; the download is the file.
    const publicPage = await context.newPage();
    await publicPage.goto(url("/convenzioni/pulizia-enti-prova"));
    const documents = await publicPage.getByRole("region", { name: "Documenti" }).textContent();
    expect(documents).toContain("Capitolato: Capitolato tecnico.pdf (PDF, 1 kB)");
    expect(documents).toContain("Listino prezzi: Listino prezzi 2027.png (PNG, 1 kB)");
    const href = await publicPage.getByRole("link", { name: "Capitolato tecnico.pdf" }).getAttribute("href");
    const download = await fetch(url(href!));
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await download.arrayBuffer()).equals(PDF)).toBe(true);
    await publicPage.close();

    // Move the third lot up, change a supplier, drop a document: each change is in the audit log.
    await page.getByRole("button", { name: "Sposta su il lotto 3" }).click();
    await page.getByRole("group", { name: "Lotto 2", exact: true }).getByLabel("Nome del lotto").waitFor();
    expect(await page.getByRole("group", { name: "Lotto 2", exact: true }).getByLabel("Nome del lotto").inputValue()).toBe("Lotto sud");
    await page.getByRole("group", { name: "Lotto 1", exact: true }).getByLabel("Fornitore").fill("Ditta Nord Due S.p.A.");
    // Bootstrap Italia draws checkboxes on their labels, which is where people click.
    await page.locator("label", { hasText: "Elimina «Listino prezzi 2027.png»" }).click();
    expect(await page.getByLabel("Elimina «Listino prezzi 2027.png»").isChecked()).toBe(true);
    await page.getByRole("button", { name: "Salva", exact: true }).click();
    await page.waitForURL(/\?salvato$/);
    const changed = await snapshot();
    expect(changed.lots.map((l) => [l.number, l.name])).toEqual([[1, "Lotto nord"], [2, "Lotto sud"], [3, "Lotto centro"]]);
    expect(changed.documents.map((d) => d.originalName)).toEqual(["Capitolato tecnico.pdf"]);

    await page.goto(url("/gestione/registro?tipo=convention"));
    const log = (await page.locator("main").textContent())!.replace(/\s+/g, " ");
    expect(log).toContain("Lotto 1, fornitore: da «Ditta Nord S.p.A.» a «Ditta Nord Due S.p.A.»");
    expect(log).toContain("Lotto 2, nome del lotto: da «Lotto centro» a «Lotto sud»");
    expect(log).toContain("Lotto 3, regione: da «Campania» a «Toscana»");
    expect(log).toContain("Documento «Listino prezzi 2027.png»: da «Listino prezzi» a «—»");
    await context.close();
  });

  test("chooses a category's CPV codes from the vocabulary by searching words or digits", async ({ siteDb, newContext, url }) => {
    const editor = await createUserWithRole("editor");
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(url("/gestione/catalogo/categorie/nuova"));
    await page.getByLabel("Indirizzo email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/categorie\/nuova$/);
    await page.getByRole("textbox", { name: "Nome", exact: true }).fill("Pulizia e sanificazione");
    await page.getByLabel("Identificativo (slug)").fill("pulizia-sanificazione");
    await page.getByLabel("Cerca nel vocabolario CPV").fill("pulizia uffici");
    await page.getByRole("button", { name: "Cerca i codici" }).click();
    await page.locator("label", { hasText: "90919200-4 Servizi di pulizia di uffici" }).click();
    // A second search keeps the code ticked after the first.
    await page.getByLabel("Cerca nel vocabolario CPV").fill("9091120");
    await page.getByRole("button", { name: "Cerca i codici" }).click();
    expect(await page.getByLabel("90919200-4 Servizi di pulizia di uffici").isChecked()).toBe(true);
    await page.locator("label", { hasText: "90911200-8 Servizi di pulizia di edifici" }).click();
    await expectNoAxeViolations(page);
    await page.getByRole("button", { name: "Salva", exact: true }).click();
    await page.waitForURL(/\/gestione\/catalogo\/categorie\/pulizia-sanificazione\?salvato$/);
    const codes = await siteDb.db.select().from(categoryCpvCodes).where(eq(categoryCpvCodes.categoryId, "pulizia-sanificazione"));
    expect(codes.map((c) => [c.code, c.label]).sort()).toEqual([
      ["90911200-8", "Servizi di pulizia di edifici"],
      ["90919200-4", "Servizi di pulizia di uffici"],
    ]);
    await context.close();
  });
});
