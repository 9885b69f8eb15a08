/**
 * The communications office publishes a press release with a PDF from the
 * browser, and a visitor reads it in the Sala stampa and downloads the PDF.
 */
import { readFile } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { describe } from "vitest";
import { announcements } from "@db/schema";
import { createUserWithRole, type TestUser } from "../helpers/auth";
import { test as base, expect, expectNoAxeViolations as expectAccessible } from "../helpers/e2e";

async function samplePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage();
  page.drawText("Scheda tecnica della convenzione", { x: 50, y: 700, size: 18, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** The file's editor, created once in the site's database. */
const test = base.extend("editor", { scope: "file" }, async ({ siteDb }): Promise<TestUser> => {
  void siteDb; // createUserWithRole writes through getDb(), which siteDb makes the site's
  return createUserWithRole("editor", { name: "Paola Redazione" });
});

describe("publishing a press release from the back office", () => {
  const title = "Nuova convenzione per la manutenzione delle strade";

  test("an editor signs in, writes with a live preview, attaches a PDF and publishes", async ({ site, siteDb, editor, newContext }) => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}/gestione/comunicati/nuovo`);
    expect(new URL(page.url()).pathname).toBe("/accedi");
    await expectAccessible(page);
    await page.getByLabel("Indirizzo email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(`${site.baseUrl}/gestione/comunicati/nuovo`);
    await expectAccessible(page);

    await page.getByLabel("Titolo").fill(title);
    await page.getByLabel("Sommario").fill("Aggiudicata la prima gara aggregata della nuova categoria.");
    await page.getByLabel("Testo (Markdown)").fill("La gara è **aggiudicata**.\n\n- lotto 1: Milano\n- lotto 2: Bologna\n\n<script>alert(1)</script>");
    await expect.poll(() => page.locator("#anteprima strong").textContent(), { timeout: 10_000 }).toBe("aggiudicata");
    expect(await page.locator("#anteprima script").count()).toBe(0);
    // Bootstrap Italia draws checkboxes and radios on their labels, which is where people click.
    await page.locator("label", { hasText: "Manutenzione delle strade" }).click();
    await page.locator("label", { hasText: "Città metropolitana di Milano" }).click();
    expect(await page.getByLabel("Manutenzione delle strade").isChecked()).toBe(true);
    await page.getByLabel("Aggiungi file").setInputFiles({ name: "scheda-tecnica.pdf", mimeType: "application/pdf", buffer: await samplePdf() });
    await page.locator("label", { hasText: "Pubblica subito" }).click();
    await page.getByRole("button", { name: "Salva" }).click();
    await page.waitForURL(/\/gestione\/comunicati\/\d+\?salvato$/);
    await expect.poll(() => page.getByRole("status").textContent()).toContain("Modifiche salvate");
    expect(await page.textContent("main")).toContain("Pubblicato");
    await expectAccessible(page);

    await page.goto(`${site.baseUrl}/gestione/comunicati`);
    expect(await page.getByRole("link", { name: title }).count()).toBe(1);
    await expectAccessible(page);
    await page.goto(`${site.baseUrl}/gestione`);
    await expectAccessible(page);
    await context.close();

    const [announcement] = await siteDb.db.select().from(announcements).where(eq(announcements.title, title));
    expect(announcement).toMatchObject({ kind: "press", categoryId: "manutenzione-strade", aggregatorIds: ["citta-metropolitana-milano"] });
  });

  test("a visitor finds it in the Sala stampa, reads it and downloads the attachment", async ({ site, newContext }) => {
    const context = await newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}/sala-stampa`);
    await expectAccessible(page);
    await page.getByLabel("Argomento").selectOption({ label: "Manutenzione delle strade" });
    await page.getByRole("button", { name: "Filtra" }).click();
    await page.waitForURL(/tag=categoria%3Amanutenzione-strade/);
    await page.getByRole("link", { name: title }).click();
    await page.waitForURL(/\/sala-stampa\/nuova-convenzione-per-la-manutenzione-delle-strade$/);
    expect(await page.textContent("h1")).toBe(title);
    expect(await page.locator("article strong").first().textContent()).toBe("aggiudicata");
    expect(await page.textContent("main")).toContain("Contatti per la stampa");
    await expectAccessible(page);

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "scheda-tecnica.pdf" }).click()]);
    expect(download.suggestedFilename()).toBe("scheda-tecnica.pdf");
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    await context.close();
  });

  test("works without JavaScript: server-side preview, and uploads survive a form sent back for corrections", async ({ site, editor, newContext }) => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}/accedi?dopo=%2Fgestione%2Fcomunicati%2Fnuovo`);
    await page.getByLabel("Indirizzo email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(`${site.baseUrl}/gestione/comunicati/nuovo`);
    await page.getByLabel("Testo (Markdown)").fill("Un testo con **anteprima** dal server.");
    await page.getByLabel("Aggiungi file").setInputFiles({ name: "allegato.pdf", mimeType: "application/pdf", buffer: await samplePdf() });
    await page.getByRole("button", { name: "Anteprima" }).click();
    await page.waitForLoadState();
    expect(await page.locator("#anteprima strong").textContent()).toBe("anteprima");
    // No title yet: the form comes back with the error, the text and the uploaded file.
    expect(await page.getByRole("alert").textContent()).toContain("Titolo");
    expect(await page.textContent("main")).toContain("allegato.pdf");
    await page.getByLabel("Titolo").fill("Comunicato scritto senza JavaScript");
    await page.locator("label", { hasText: "Pubblica subito" }).click();
    await page.getByRole("button", { name: "Salva" }).click();
    await page.waitForURL(/\/gestione\/comunicati\/\d+\?salvato$/);
    await page.goto(`${site.baseUrl}/sala-stampa/comunicato-scritto-senza-javascript`);
    expect(await page.getByRole("link", { name: "allegato.pdf" }).count()).toBe(1);
    await context.close();
  });

  test("has no accessibility violations on the account and administration pages", async ({ site, siteDb, newContext }) => {
    void siteDb;
    const admin = await createUserWithRole("admin", { name: "Alberto Amministratore" });
    const context = await newContext();
    const page = await context.newPage();
    for (const path of ["/registrati", "/password-dimenticata"]) {
      await page.goto(`${site.baseUrl}${path}`);
      await expectAccessible(page);
    }
    await page.goto(`${site.baseUrl}/registrati`);
    await page.getByRole("button", { name: "Crea l'account" }).click();
    await page.waitForLoadState();
    expect(await page.getByRole("alert").count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await page.goto(`${site.baseUrl}/accedi`);
    await page.getByLabel("Indirizzo email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(`${site.baseUrl}/account`);
    for (const path of ["/account", "/account/password", "/account/elimina", "/gestione/utenti", "/gestione/registro"]) {
      await page.goto(`${site.baseUrl}${path}`);
      await expectAccessible(page);
    }
    await context.close();
  });
});
