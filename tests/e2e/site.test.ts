import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEGAL_NAV, MAIN_NAV } from "@/lib/site";
import { axeViolations, launchBrowser } from "../helpers/browser";
import { startSite, type RunningSite } from "../helpers/server";

describe("the site shell", () => {
  let site: RunningSite;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    site = await startSite();
    browser = await launchBrowser();
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await site?.stop();
  });

  it("renders the home page in Italian with a skip link and the three audiences", async () => {
    const page = await context.newPage();
    const response = await page.goto(site.baseUrl);
    expect(response?.status()).toBe(200);
    expect(await page.getAttribute("html", "lang")).toBe("it");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Vai al contenuto principale");
    for (const label of ["Amministrazioni", "Fornitori", "Sala stampa"]) {
      await expect(page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: label }).count()).resolves.toBe(1);
    }
    expect(await page.textContent("h1")).toContain("Acquisti pubblici aggregati");
    await page.close();
  });

  it("answers 200 for every navigation and footer link", async () => {
    for (const item of [...MAIN_NAV, ...LEGAL_NAV]) {
      const response = await fetch(new URL(item.href, site.baseUrl), { redirect: "manual" });
      expect({ href: item.href, status: response.status }).toEqual({ href: item.href, status: 200 });
    }
  });

  it("finds no WCAG 2.1 AA violation on the home page and the legal pages", async () => {
    for (const path of ["/", ...LEGAL_NAV.map((i) => i.href)]) {
      const page = await context.newPage();
      await page.goto(new URL(path, site.baseUrl).toString());
      expect({ path, violations: await axeViolations(page) }).toEqual({ path, violations: [] });
      await page.close();
    }
  });

  it("serves Italian 404 pages and a database health check", async () => {
    const missing = await fetch(new URL("/pagina-che-non-esiste", site.baseUrl));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Pagina non trovata");
    const health = await fetch(new URL("/healthz", site.baseUrl));
    expect(await health.json()).toEqual({ status: "ok", database: "ok" });
  });
});
