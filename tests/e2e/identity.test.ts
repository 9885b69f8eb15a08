/**
 * SPID and CIE in Chromium, against the test federation on loopback (a
 * trust anchor and two oidc-provider servers): the button, the provider's
 * login and consent pages, and back on the site signed in, with the account
 * created from the verified claims; the list of providers opens without
 * JavaScript; screenshots at 1366 and 320 px for review.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe } from "vitest";
import { userIdentities, users } from "@db/schema";
import { createUserWithRole } from "../helpers/auth";
import { expect, expectNoAxeViolations, test as base } from "../helpers/e2e";
import { startTestFederation, type TestFederation } from "../helpers/identity";

const test = base.extend("federation", { scope: "file" }, async ({}, { onCleanup }): Promise<TestFederation> => {
  const federation = await startTestFederation();
  onCleanup(() => federation.close());
  return federation;
});
test.override("siteEnv", { scope: "file" }, ({ federation }) => federation.env);

const SHOTS = process.env.IDENTITY_SCREENSHOTS_DIR;

async function shot(page: import("playwright-core").Page, name: string) {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

describe("SPID and CIE sign-in in the browser", () => {
  test("signs in with the SPID test provider: button, provider list, login, consent, back signed in", async ({ site, siteDb, federation, newContext, url }) => {
    await federation.onboard(site.baseUrl);
    const context = await newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(url("/accedi"));
    await shot(page, "accedi-1366");
    await page.getByText("Entra con SPID").click();
    await shot(page, "accedi-spid-aperto-1366");
    await page.getByRole("link", { name: "SPID di prova" }).click();
    await page.waitForURL(`${federation.spid.entityId}/**`);
    await page.getByLabel("Nome utente").fill("mario");
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("button", { name: "Autorizza" }).click();
    await page.waitForURL(url("/account?esito=benvenuto"));
    await expect(page.locator("main").textContent()).resolves.toContain("mario.rossi@prova.example.it");
    await expect(page.getByText("Il tuo account è attivo").count()).resolves.toBe(1);
    await expect(page.getByLabel("Nome e cognome").inputValue()).resolves.toBe("Mario Rossi");
    await shot(page, "account-spid-1366");
    const [user] = await siteDb.db.select().from(users).where(eq(users.email, "mario.rossi@prova.example.it"));
    const [identity] = await siteDb.db.select().from(userIdentities).where(eq(userIdentities.userId, user!.id));
    expect(identity).toMatchObject({ fiscalNumber: "RSSMRA80A01H501U", givenName: "Mario", familyName: "Rossi", lastMethod: "spid", lastAcr: "https://www.spid.gov.it/SpidL2" });
    await context.close();
  });

  test("signs in with the CIE test provider and creates the account from the claims", async ({ site, siteDb, federation, newContext, url }) => {
    await federation.onboard(site.baseUrl);
    const context = await newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(url("/accedi"));
    await page.getByRole("link", { name: "Entra con CIE" }).click();
    await page.waitForURL(`${federation.cie.entityId}/**`);
    await page.getByLabel("Nome utente").fill("giulia");
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("button", { name: "Autorizza" }).click();
    await page.waitForURL(url("/account?esito=benvenuto"));
    await expect(page.locator("main").textContent()).resolves.toContain("giulia.bianchi@prova.example.it");
    const [user] = await siteDb.db.select().from(users).where(eq(users.email, "giulia.bianchi@prova.example.it"));
    expect(user).toMatchObject({ name: "Giulia Bianchi" });
    const [identity] = await siteDb.db.select().from(userIdentities).where(eq(userIdentities.userId, user!.id));
    expect(identity).toMatchObject({ fiscalNumber: "BNCGLI85M41F205X", lastMethod: "cie", lastAcr: "https://www.spid.gov.it/SpidL2" });
    await context.close();
  });

  test("links SPID to an email-and-password account from the account page", async ({ site, siteDb, federation, newContext, url }) => {
    await federation.onboard(site.baseUrl);
    const person = await createUserWithRole("learner", { email: "anna.lavoro@prova.example.it", name: "Anna Verdi" });
    const context = await newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(url("/accedi"));
    await page.getByLabel("Indirizzo email").fill(person.email);
    await page.getByLabel("Password").fill(person.password);
    await page.getByRole("button", { name: "Accedi", exact: true }).click();
    await page.waitForURL(url("/account"));
    await page.locator("summary", { hasText: "Collega SPID" }).click();
    await shot(page, "account-collega-1366");
    await page.getByRole("link", { name: "SPID di prova" }).click();
    await page.getByLabel("Nome utente").fill("anna");
    await page.getByRole("button", { name: "Entra" }).click();
    await page.getByRole("button", { name: "Autorizza" }).click();
    await page.waitForURL(url("/account?esito=identita-collegata"));
    await expect(page.getByText("Identità digitale collegata").count()).resolves.toBe(1);
    const [identity] = await siteDb.db.select().from(userIdentities).where(eq(userIdentities.userId, person.id));
    expect(identity).toMatchObject({ fiscalNumber: "VRDNNA90C45L219K", lastMethod: "spid" });
    await context.close();
  });

  test("opens the provider list without JavaScript, at 320 px, with no WCAG violation; problems are Italian pages", async ({ site, federation, newContext, url }) => {
    await federation.onboard(site.baseUrl);
    const noScript = await newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 800 } });
    const page = await noScript.newPage();
    await page.goto(url("/accedi"));
    await page.getByText("Entra con SPID").click();
    await expect(page.getByRole("link", { name: "SPID di prova" }).isVisible()).resolves.toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await shot(page, "accedi-spid-aperto-320");
    await page.getByRole("link", { name: "SPID di prova" }).click();
    await page.getByRole("button", { name: "Annulla" }).click();
    await page.waitForURL(/\/accesso\/ritorno/);
    await expect(page.locator("h1").textContent()).resolves.toBe("Accesso annullato");
    await shot(page, "accesso-annullato-320");
    await noScript.close();

    const wide = await newContext({ viewport: { width: 1366, height: 900 } });
    const axePage = await wide.newPage();
    await axePage.goto(url("/accedi"));
    await axePage.getByText("Entra con SPID").click();
    await expectNoAxeViolations(axePage);
    await axePage.goto(url("/accesso/spid/avvia?gestore=https%3A%2F%2Fidp.sconosciuto.example"));
    await expectNoAxeViolations(axePage);
    await shot(axePage, "gestore-sconosciuto-1366");
    await wide.close();
  });
});

