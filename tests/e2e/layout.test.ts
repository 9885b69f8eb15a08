/**
 * What a person sees, checked in Chromium on one page of every type (found by
 * crawling as a visitor, a learner and an administrator): the page reflows at
 * 320 CSS px without horizontal scrolling (WCAG 1.4.10), no word or
 * punctuation mark is glued to the link that follows it, every page announces
 * the all-updates feed, and on a phone the header folds into a menu that
 * opens without JavaScript.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, describe } from "vitest";
import { signedInAs } from "../helpers/auth";
import { crawl } from "../helpers/crawl";
import { test as base, expect } from "../helpers/e2e";
import { recordFigure } from "../helpers/figures";
import { pageTypes } from "../helpers/page-types";

const COURSE = "aggregatori-e-convenzioni";
const PHONE = { width: 320, height: 800 };

/** Text glued to the start of a link: the last visible character before each link in its line of text, when it is a letter, digit or closing punctuation. */
async function gluedLinks(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // Anything but a plain inline box (blocks, inline-blocks, list and flex items) has its own edges, so text outside it cannot touch the link.
    const isBlock = (el: Element) => !["inline", "contents"].includes(getComputedStyle(el).display);
    const out: string[] = [];
    for (const link of document.querySelectorAll("a[href]")) {
      const text = (link.textContent ?? "").trim();
      if (!text || !(link as HTMLElement).offsetParent || !/^[\p{L}\p{N}]/u.test(text)) continue;
      let block: Element = link.parentElement!;
      while (block.parentElement && !isBlock(block)) block = block.parentElement;
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      let before = "";
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (link.contains(node) || (link.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
        // A block element between the text and the link starts a new line: nothing can be glued across it.
        let crossesBlock = false;
        for (let el = node.parentElement; el && el !== block; el = el.parentElement) if (isBlock(el) && !el.contains(link)) crossesBlock = true;
        before = crossesBlock ? "" : before + (node.textContent ?? "");
      }
      const last = before.slice(-1);
      if (last && /[\p{L}\p{N}.,;:!?)\]»]/u.test(last)) out.push(`«${before.trim().slice(-25)}» + «${text.slice(0, 30)}»`);
    }
    return out;
  });
}

/** Every path inspect() visited, for the figures. */
const visited: string[] = [];

const test = base
  /** A 320 px wide context, signed in with `cookie` if given. */
  .extend("phone", { scope: "file" }, async ({ site, newContext }) => async (cookie?: string, javaScriptEnabled = true): Promise<BrowserContext> => {
    const context = await newContext({ viewport: PHONE, javaScriptEnabled });
    if (cookie) {
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: site.baseUrl }]);
    }
    return context;
  })
  /** For each path: horizontal overflow at 320 px, glued links, missing feed link. */
  .extend("inspect", { scope: "file" }, async ({ url }) => async (context: BrowserContext, paths: string[]): Promise<string[]> => {
    const page = await context.newPage();
    const problems: string[] = [];
    for (const p of paths) {
      await page.goto(url(p));
      visited.push(p);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) {
        const culprit = await page.evaluate((limit) => {
          const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > limit + 1 && !el.closest(".table-responsive, table, pre"));
          const el = wide[wide.length - 1];
          return el ? `${el.tagName.toLowerCase()}.${el.className}` : "?";
        }, PHONE.width);
        problems.push(`${p}: ${width} px wide at 320 px (${culprit})`);
      }
      for (const glued of await gluedLinks(page)) problems.push(`${p}: testo attaccato al collegamento ${glued}`);
      const feeds = await page.locator('head link[rel="alternate"][type="application/rss+xml"][href="/feed.xml"]').count();
      if (feeds !== 1) problems.push(`${p}: ${feeds} links to /feed.xml in <head>`);
    }
    await page.close();
    return problems;
  })
  /** The public page types a visitor's crawl finds, and a missing page. */
  .extend("visitorPaths", { scope: "file" }, async ({ site }): Promise<string[]> => {
    const visitor = await crawl(site.baseUrl, { limit: 250, perShape: 2 });
    return [...pageTypes(visitor.responses, 70), "/pagina-che-non-esiste"];
  })
  /** A learner enrolled in COURSE, and the page types of their crawl. */
  .extend("learner", { scope: "file" }, async ({ site, siteDb, url }): Promise<{ cookie: string; paths: string[] }> => {
    void siteDb; // signedInAs writes through getDb(), which siteDb makes the site's
    const cookie = (await signedInAs(site, "learner")).cookie;
    const enrol = await fetch(url(`/formazione/${COURSE}`), { method: "POST", redirect: "manual", headers: { cookie, Origin: site.baseUrl, "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    expect(enrol.status).toBe(303);
    const learner = await crawl(site.baseUrl, { cookie, start: ["/account", `/formazione/${COURSE}`], limit: 80, perShape: 1, skip: (p) => p.startsWith("/esci") || !/^\/(account|formazione)/.test(p) });
    return { cookie, paths: [...new Set([...pageTypes(learner.responses, 25), `/formazione/${COURSE}/cosa-sono-i-soggetti-aggregatori`])] };
  })
  /** An administrator, and the back-office page types of their crawl. */
  .extend("admin", { scope: "file" }, async ({ site, siteDb }): Promise<{ cookie: string; paths: string[] }> => {
    void siteDb;
    const cookie = (await signedInAs(site, "admin")).cookie;
    const admin = await crawl(site.baseUrl, { cookie, start: ["/gestione"], limit: 150, perShape: 1, skip: (p) => !p.startsWith("/gestione") });
    return { cookie, paths: pageTypes(admin.responses, 40) };
  });
test.override("siteEnv", { scope: "file" }, () => ({ WORKER: "off" }));

describe("layout and text on every page type", () => {
  afterAll(() => {
    recordFigure("layout", { pagesChecked: visited.length, distinctPaths: new Set(visited).size });
  });

  test("public pages reflow at 320 px, keep spaces before links and announce the feed", async ({ visitorPaths, inspect, phone }) => {
    expect(visitorPaths.length).toBeGreaterThan(15);
    expect(visitorPaths).toContain("/");
    expect(await inspect(await phone(), visitorPaths)).toEqual([]);
  }, 600_000);

  test("learner pages, including the first lesson with its figure", async ({ learner, inspect, phone }) => {
    expect(learner.paths.some((p) => /^\/formazione\/[^/]+\/[^/]+$/.test(p))).toBe(true);
    expect(await inspect(await phone(learner.cookie), learner.paths)).toEqual([]);
  }, 600_000);

  test("back-office pages", async ({ admin, inspect, phone }) => {
    expect(admin.paths.length).toBeGreaterThan(5);
    expect(await inspect(await phone(admin.cookie), admin.paths)).toEqual([]);
  }, 600_000);

  test("on a phone the header folds into a menu that opens without JavaScript", async ({ phone, url }) => {
    const page = await (await phone(undefined, false)).newPage();
    await page.goto(url("/"));
    const header = await page.locator("header").boundingBox();
    expect(header!.height).toBeLessThan(200);
    const menu = page.getByRole("navigation", { name: "Menu principale" });
    await expect(menu.getByRole("link", { name: "Convenzioni" }).isVisible()).resolves.toBe(false);
    await page.locator("header summary").click();
    await expect(menu.getByRole("link", { name: "Convenzioni" }).isVisible()).resolves.toBe(true);
    // The search in the menu goes to the catalog.
    await page.getByRole("searchbox", { name: "Cerca convenzioni e strumenti" }).fill("pulizia");
    await Promise.all([page.waitForURL(/\/convenzioni\?q=pulizia/), page.getByRole("search").getByRole("button", { name: "Cerca" }).click()]);
    await expect(page.locator("h1").textContent()).resolves.toContain("Convenzioni");
    await page.close();
  }, 120_000);

  test("on a desktop the menu and the search sit in the header, open", async ({ newContext, url }) => {
    const context = await newContext({ viewport: { width: 1366, height: 800 } });
    const page = await context.newPage();
    await page.goto(url("/"));
    await expect(page.getByRole("navigation", { name: "Menu principale" }).getByRole("link", { name: "Convenzioni" }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole("search", { name: "Cerca nel catalogo" }).count()).resolves.toBe(1);
    await page.close();
  }, 120_000);
});
