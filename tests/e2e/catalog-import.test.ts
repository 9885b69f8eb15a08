/**
 * An editor imports open data from the back office: uploads a file, follows the progress page (with the
 * «Aggiorna» link without JavaScript, by itself with it), reads the summary and the rejected rows; the imported
 * instrument's page names its source and licence. Visitors and learners cannot reach the upload.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe } from "vitest";
import { createUserWithRole, type TestUser } from "../helpers/auth";
import { ROOT } from "../helpers/db";
import { test as base, expect, expectNoAxeViolations as expectAccessible } from "../helpers/e2e";

const DERIVED_ANAC = path.join(ROOT, "tests/fixtures/import/anac-cig-derived.csv");
const SHOTS = process.env.IMPORT_SCREENSHOTS_DIR;

const test = base.extend("editor", { scope: "file" }, async ({ siteDb }): Promise<TestUser> => {
  void siteDb;
  return createUserWithRole("editor", { name: "Marta Catalogo" });
});

async function signIn(page: import("playwright-core").Page, baseUrl: string, user: TestUser, target: string) {
  await page.goto(`${baseUrl}${target}`);
  expect(new URL(page.url()).pathname).toBe("/accedi");
  await page.getByLabel("Indirizzo email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Accedi" }).click();
  await page.waitForURL(`${baseUrl}${target}`);
}

async function shoot(page: import("playwright-core").Page, name: string) {
  if (!SHOTS) return;
  for (const width of [1366, 320]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

describe("importing open data from the back office", () => {
  test("without JavaScript: upload, «Aggiorna» until the end, the summary; the instrument's page shows «Fonte: ANAC, CC BY 4.0»", async ({ site, editor, newContext }) => {
    const context = await newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    // axe runs in the page, so the accessibility checks are in the test with JavaScript below.
    await signIn(page, site.baseUrl, editor, "/gestione/catalogo/importa");
    await page.getByRole("button", { name: "Avvia l'importazione" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Scegli il file da importare.");

    await page.getByLabel("Formato").selectOption("anac-cig");
    await page.getByLabel("File da importare").setInputFiles({ name: "cig-2024.csv", mimeType: "text/csv", buffer: await readFile(DERIVED_ANAC) });
    await page.getByRole("button", { name: "Avvia l'importazione" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/importa\/\d+$/);
    expect(await page.locator("h1").textContent()).toBe("Importazione di cig-2024.csv");
    await expect
      .poll(
        async () => {
          const refresh = page.getByRole("link", { name: "Aggiorna", exact: true });
          if ((await refresh.count()) > 0) await refresh.click();
          return page.locator("#stato").textContent();
        },
        { timeout: 60_000, interval: 500 },
      )
      .toContain("Conclusa");
    const main = await page.textContent("main");
    expect(main).toContain("Importazione conclusa.");
    expect(main).toContain("Fonte: ANAC, CC BY 4.0.");
    expect(await page.locator("dt:has-text('Voci create') + dd").textContent()).toBe("3");
    expect(await page.locator("dt:has-text('Righe saltate') + dd").textContent()).toBe("2");

    await page.goto(`${site.baseUrl}/convenzioni?q=B1A2C3D4E5`);
    await page.getByRole("link", { name: /Accordo quadro per il servizio di pulizia/i }).first().click();
    const detail = await page.textContent("main");
    expect(detail).toContain("Fonte: ANAC, CC BY 4.0.");
    expect(detail).toContain("S91252510374202400001");
    expect(await page.locator("#contratti-attuativi").textContent()).toBe("Contratti attuativi (1)");
    expect(detail).toContain("D3C4E5F6A7");
  });

  test("with JavaScript the progress page follows by itself; a rejected row is reported and nothing changes; every page passes axe", async ({ site, editor, newContext }) => {
    const context = await newContext();
    const page = await context.newPage();
    await signIn(page, site.baseUrl, editor, "/gestione/catalogo/importa");
    await expectAccessible(page);
    await shoot(page, "importa-modulo");
    await page.getByLabel("Formato").selectOption("consip-bandi");
    await page.getByRole("button", { name: "Avvia l'importazione" }).click();
    await expectAccessible(page);
    const bad = (await readFile(DERIVED_ANAC, "utf8")).replaceAll("2024-04-10", "10 aprile");
    // The refused post keeps what was chosen: choose again.
    await page.getByLabel("Formato").selectOption("anac-cig");
    await page.getByLabel("File da importare").setInputFiles({ name: "cig-errato.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await page.getByRole("button", { name: "Avvia l'importazione" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/importa\/\d+$/);
    await expect.poll(() => page.locator("#stato").textContent(), { timeout: 60_000, interval: 500 }).toContain("Conclusa");
    const main = await page.textContent("main");
    expect(main).toContain("Nessuna modifica: una riga è stata scartata.");
    expect(await page.locator("#scartate").textContent()).toBe("Righe scartate (1)");
    expect(await page.locator("table tbody tr").first().textContent()).toBe("riga 3CIG C2B3D4E5F6: data_pubblicazione «10 aprile» non è una data");
    await expectAccessible(page);
    await shoot(page, "importa-scartato");
    await page.goto(`${site.baseUrl}/gestione/catalogo/importa`);
    expect(await page.getByRole("link", { name: "cig-errato.csv" }).count()).toBe(1);

    // The import of the first test, as the person sees it.
    await page.getByRole("link", { name: "cig-2024.csv" }).click();
    expect(await page.locator("#stato").textContent()).toContain("Conclusa");
    await expectAccessible(page);
    await shoot(page, "importa-concluso");
    await page.goto(`${site.baseUrl}/convenzioni?q=B1A2C3D4E5`);
    await page.getByRole("link", { name: /Accordo quadro per il servizio di pulizia/i }).first().click();
    await expectAccessible(page);
    await shoot(page, "convenzione-importata");
  });

  test("learners are refused the upload", async ({ site, siteDb, newContext }) => {
    void siteDb;
    const learner = await createUserWithRole("learner");
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}/accedi`);
    await page.getByLabel("Indirizzo email").fill(learner.email);
    await page.getByLabel("Password").fill(learner.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForLoadState();
    const response = await page.goto(`${site.baseUrl}/gestione/catalogo/importa`);
    expect(response!.status()).toBe(403);
  });
});
