import { mkdirSync } from "node:fs";
import { describe } from "vitest";
import { expect, expectNoAxeViolations, test } from "../helpers/e2e";

/** Set to a directory to keep screenshots of the comparison at 1366 and 320 px (they are looked at, not compared). */
const SHOTS = process.env.LOTS_SCREENSHOTS_DIR;

describe("lots and the comparison in a browser", () => {
  test("lines up the national and the regional lots row by row, with a summary of the differences", async ({ context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni/confronto"));
    await page.getByLabel("Categoria").selectOption("pulizia-uffici");
    await page.getByLabel("Regione").selectOption("Lombardia");
    await page.getByRole("button", { name: "Confronta" }).click();
    await page.waitForURL(/regione=Lombardia/);
    const table = page.getByRole("table", { name: /Lotti per Pulizia di uffici a ridotto impatto ambientale in Lombardia/ });
    const rowHeaders = await table.getByRole("rowheader").allTextContents();
    expect(rowHeaders).toEqual([
      "Soggetto aggregatore",
      "Strumento",
      "Stato",
      "Territorio",
      "Fornitore",
      "Massimale residuo",
      "Quota utilizzata",
      "Inizio e fine",
      "Mesi rimanenti",
      "Piattaforma per gli ordini",
      "Adesione",
    ]);
    const columns = await table.getByRole("columnheader").allTextContents();
    expect(columns[0]).toMatch(/^Nazionale\s*Lotto 1 – Lombardia/);
    expect(columns.slice(1).every((c) => c.startsWith("Regionale"))).toBe(true);
    expect(columns).toHaveLength(3);
    const cells = async (header: string) => (await table.getByRole("row", { name: new RegExp(`^${header}`) }).getByRole("cell").allTextContents()).map((t) => t.trim());
    expect((await cells("Fornitore"))[0]).toBe("Pulizie Ecologiche Esempio S.r.l.");
    expect((await cells("Quota utilizzata"))[0]).toBe("90%");
    expect((await cells("Stato"))).toContain("Deleghe aperte");
    expect((await cells("Adesione")).every((c) => c.startsWith("Obbligatoria"))).toBe(true);
    const summary = await page.locator("section", { has: page.getByRole("heading", { name: "Le differenze in breve" }) }).textContent();
    expect(summary).toContain("Il lotto nazionale è il più utilizzato: 90%");
    // A lot of another region's national lots is no offer here.
    expect(await table.textContent()).not.toContain("Lotto 3 – Lazio");
    await expectNoAxeViolations(page);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.screenshot({ path: `${SHOTS}/confronto-1366.png`, fullPage: true });
    }
    await page.close();
  });

  test("stays readable at 320 px: the table scrolls inside its own box, the row headers stay in view", async ({ newContext, url }) => {
    const phone = await newContext({ viewport: { width: 320, height: 800 } });
    const page = await phone.newPage();
    await page.goto(url("/convenzioni/confronto?categoria=pulizia-uffici&regione=Lombardia"));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const box = page.locator(".compare-table-wrap");
    expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await box.evaluate((el) => el.scrollBy(400, 0));
    const header = page.getByRole("rowheader", { name: "Fornitore" });
    const left = await header.evaluate((el) => el.getBoundingClientRect().left);
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThan(40);
    if (SHOTS) {
      await page.locator("#confronto-didascalia").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${SHOTS}/confronto-320-scrolled.png` });
      await box.evaluate((el) => el.scrollTo(0, 0));
      await page.screenshot({ path: `${SHOTS}/confronto-320-table.png` });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${SHOTS}/confronto-320.png`, fullPage: true });
    }
    await page.close();
  });

  test("says when a region has only one side, and names an invalid parameter in Italian", async ({ context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni/confronto?categoria=energia-elettrica&regione=Lazio"));
    const main = (await page.locator("main").textContent()) ?? "";
    expect(main).toContain("Nessun soggetto aggregatore di Lazio ha un lotto per Energia elettrica.");
    expect(main).toContain("In Lazio non c'è un lotto regionale per Energia elettrica: c'è solo l'offerta nazionale.");
    expect(await page.getByRole("columnheader").count()).toBe(1);
    const bad = await page.goto(url("/convenzioni/confronto?categoria=%3Cscript%3E&regione=Atlantide"));
    expect(bad!.status()).toBe(200);
    const alert = await page.getByRole("alert").textContent();
    expect(alert).toContain("La regione indicata non esiste: scegline una dall'elenco.");
    expect(alert).toContain("La categoria indicata non esiste: scegline una dall'elenco.");
    expect(await page.getByRole("table").count()).toBe(0);
    await page.close();
  });

  test("opens a lot from its convention, with its figures and its own alert", async ({ context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni/esempio-pulizia-uffici-consip-nazionale"));
    await page.getByRole("link", { name: "Lotto 1 – Lombardia" }).click();
    await page.waitForURL(/\/convenzioni\/esempio-pulizia-uffici-consip-nazionale\/lotti\/1$/);
    expect(await page.textContent("h1")).toBe("Lotto 1 – Lombardia");
    const facts = (await page.locator("dl").first().innerText()).replace(/\s+/g, " ");
    for (const part of ["CIG 8A1B2C3D41", "Pulizie Ecologiche Esempio S.r.l.", "Attivo dal 1 marzo 2025 al 30 settembre 2027", "90%", "Residuo"]) expect(facts).toContain(part);
    expect(await page.getByRole("navigation", { name: "Percorso" }).textContent()).toContain("Servizi di pulizia e igiene ambientale per gli uffici – Consip");
    await expectNoAxeViolations(page);
    await page.getByRole("link", { name: "Avvisami quando il lotto si esaurisce o scade" }).click();
    await page.waitForURL(/\/avvisi\/iscriviti\?convenzione=\d+&lotto=1$/);
    expect(await page.locator(".callout").textContent()).toContain("Lotto che seguirai: Lotto 1 – Lombardia");
    await expectNoAxeViolations(page);
    const subscribeUrl = new URL(page.url());
    for (const [lotto, message] of [["abc", "Il numero del lotto indicato non è valido."], ["99", "Il lotto indicato non esiste più."]]) {
      subscribeUrl.searchParams.set("lotto", lotto!);
      await page.goto(subscribeUrl.toString());
      expect(await page.getByRole("status").first().textContent()).toContain(message);
      expect(await page.locator(".callout").count()).toBe(0);
    }
    expect((await page.goto(url("/convenzioni/esempio-pulizia-uffici-consip-nazionale/lotti/99")))!.status()).toBe(404);
    if (SHOTS) {
      for (const width of [1366, 320]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(url("/convenzioni/esempio-pulizia-uffici-consip-nazionale/lotti/1"));
        await page.screenshot({ path: `${SHOTS}/lotto-${width}.png`, fullPage: true });
        await page.goto(url("/convenzioni/esempio-pulizia-uffici-consip-nazionale"));
        await page.screenshot({ path: `${SHOTS}/convenzione-${width}.png`, fullPage: true });
      }
    }
    await page.close();
  });

  test("shows a delegated tender with its delegation state and whom to contact, never an ordering button", async ({ context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni/esempio-telefonia-mobile-e-trasmissione-dati-lombardia-3"));
    const main = (await page.locator("main").textContent()) ?? "";
    expect(main).toContain("Deleghe aperte");
    expect(main).not.toContain("Ordina sulla piattaforma");
    expect(await page.getByRole("link", { name: "Delega la gara al soggetto aggregatore" }).getAttribute("href")).toBe("/soggetti-aggregatori/centrale-acquisti-lombardia");
    await page.goto(url("/convenzioni/esempio-personal-computer-portatili-e-desktop-intercent-er-2"));
    expect(await page.locator("main").textContent()).toContain("Attivo: appalti specifici aperti");
    await page.close();
  });
});
