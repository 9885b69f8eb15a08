import { describe } from "vitest";
import { LEGAL_NAV, MAIN_NAV } from "@/lib/site";
import { expect, expectNoAxeViolations, test } from "../helpers/e2e";

describe("the site shell", () => {
  test("renders the home page in Italian with a skip link and the three audiences", async ({ site, context }) => {
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

  test("answers 200 for every navigation and footer link", async ({ site }) => {
    for (const item of [...MAIN_NAV, ...LEGAL_NAV]) {
      const response = await fetch(new URL(item.href, site.baseUrl), { redirect: "manual" });
      expect({ href: item.href, status: response.status }).toEqual({ href: item.href, status: 200 });
    }
  });

  test("finds no WCAG 2.1 AA violation on the home page and the legal pages", async ({ site, context }) => {
    for (const path of ["/", ...LEGAL_NAV.map((i) => i.href)]) {
      const page = await context.newPage();
      await page.goto(new URL(path, site.baseUrl).toString());
      await expectNoAxeViolations(page);
      await page.close();
    }
  });

  test("serves the home page for the three audiences: search, expiring conventions, press, courses and alerts", async ({ site, context }) => {
    const page = await context.newPage();
    await page.goto(site.baseUrl);
    const main = page.locator("main");
    // A search box into the catalog, answered by the catalog.
    await main.getByLabel("Cerca una convenzione o uno strumento di acquisto").fill("pulizia");
    await Promise.all([page.waitForURL(/\/convenzioni\?q=pulizia/), main.getByRole("button", { name: "Cerca" }).click()]);
    await page.goBack();
    for (const heading of [/In scadenza nei prossimi 90 giorni/, /Dalla sala stampa/, /Formazione gratuita/]) {
      await expect(main.getByRole("heading", { name: heading }).count()).resolves.toBe(1);
    }
    await expect(main.locator('a[href^="/convenzioni/"]').count()).resolves.toBeGreaterThan(0);
    await expect(main.locator('a[href^="/sala-stampa/"]').count()).resolves.toBeGreaterThan(0);
    await expect(main.locator('a[href^="/formazione/"]').count()).resolves.toBeGreaterThan(1);
    // Subscribing is one click away.
    await Promise.all([page.waitForURL(/\/avvisi\/iscriviti$/), main.getByRole("link", { name: "Ricevi gli avvisi via email" }).click()]);
    await expect(page.locator("h1").textContent()).resolves.toContain("avvisi");
    await page.close();
  });

  test("has a full footer: the owner, contacts, legal pages, feeds and open data, a site map", async ({ site, context }) => {
    const page = await context.newPage();
    await page.goto(site.baseUrl);
    const footer = page.locator("footer");
    await expect(footer.getByText("Gestito da").count()).resolves.toBe(1);
    await expect(footer.locator('a[href^="mailto:"]').count()).resolves.toBeGreaterThan(0);
    await expect(footer.getByText("valori di esempio").count()).resolves.toBe(1);
    for (const href of ["/privacy", "/note-legali", "/accessibilita", "/feed.xml", "/dati", "/convenzioni", "/formazione", "/avvisi/iscriviti"]) {
      await expect(footer.locator(`a[href="${href}"]`).count(), href).resolves.toBeGreaterThan(0);
    }
    const footerLinks = await footer.locator("a[href^='/']").evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
    for (const href of footerLinks) {
      const response = await fetch(new URL(href, site.baseUrl), { redirect: "manual" });
      expect({ href, status: response.status }).toEqual({ href, status: 200 });
    }
    await page.close();
  });

  test("serves a favicon, robots.txt and a sitemap of the public pages", async ({ site }) => {
    const ico = await fetch(new URL("/favicon.ico", site.baseUrl));
    expect(ico.status).toBe(200);
    expect(Buffer.from(await ico.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    const robots = await fetch(new URL("/robots.txt", site.baseUrl));
    expect(robots.headers.get("content-type")).toContain("text/plain");
    const robotsText = await robots.text();
    expect(robotsText).toContain("Disallow: /gestione");
    expect(robotsText).toContain(`Sitemap: ${site.baseUrl}/sitemap.xml`);
    const sitemap = await fetch(new URL("/sitemap.xml", site.baseUrl));
    expect(sitemap.headers.get("content-type")).toContain("xml");
    const locs = [...(await sitemap.text()).matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!);
    expect(locs).toContain(`${site.baseUrl}/`);
    expect(locs.some((l) => /\/convenzioni\/[a-z0-9-]+$/.test(l))).toBe(true);
    expect(locs.some((l) => /\/formazione\/[a-z0-9-]+\/[a-z0-9-]+$/.test(l))).toBe(true);
    expect(locs.some((l) => l.includes("/gestione"))).toBe(false);
    for (const loc of locs.filter((_, i) => i % 7 === 0)) {
      const response = await fetch(loc, { redirect: "manual" });
      expect({ loc, status: response.status }).toEqual({ loc, status: 200 });
    }
  });

  test("states the privacy notice's controller, DPO, purposes, legal bases, retention, rights and the Garante, marked as examples until configured", async ({ site }) => {
    const html = await (await fetch(new URL("/privacy", site.baseUrl))).text();
    const text = html.slice(html.indexOf("<main"), html.indexOf("</main>")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    for (const part of ["Titolare del trattamento", "Responsabile della protezione dei dati", "Base giuridica", "Consenso", "Per quanto tempo", "Account", "Progressi della formazione", "Iscrizioni agli avvisi", "Registri tecnici", "90 giorni", "I tuoi diritti", "Reclamo al Garante", "Dati di esempio", "valori di esempio"]) {
      expect(text, part).toContain(part);
    }
    expect(html).toContain('href="https://www.garanteprivacy.it/"');
  });

  test("links AgID's enforcement procedure and form from the accessibility statement", async ({ site }) => {
    const html = await (await fetch(new URL("/accessibilita", site.baseUrl))).text();
    expect(html).toContain('href="https://www.agid.gov.it/it/design-servizi/accessibilita/procedura-attuazione"');
    expect(html).toContain('href="https://form.agid.gov.it/"');
    expect(html).toContain('href="/accessibilita/segnala"');
  });

  test("offers no order button on an example convention", async ({ site }) => {
    const html = await (await fetch(new URL("/convenzioni/esempio-pulizia-uffici-consip-nazionale", site.baseUrl))).text();
    const main = html.slice(html.indexOf("<main"), html.indexOf("</main>"));
    expect(main).not.toContain("Ordina sulla piattaforma");
    expect(main).not.toContain("example.org");
    expect(main).toContain("esempio dimostrativo");
    const real = await (await fetch(new URL("/convenzioni/vigilanza-armata-cm-milano", site.baseUrl))).text();
    expect(real).not.toContain("esempio dimostrativo");
  });

  test("serves Italian 404 pages and a database health check", async ({ site }) => {
    const missing = await fetch(new URL("/pagina-che-non-esiste", site.baseUrl));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Pagina non trovata");
    const health = await fetch(new URL("/healthz", site.baseUrl));
    expect(await health.json()).toEqual({ status: "ok", database: "ok" });
  });
});
