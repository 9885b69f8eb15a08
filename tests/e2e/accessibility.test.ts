/**
 * The accessibility sweep: every page type a visitor, a learner and the back
 * office reach (found by crawling, one page per URL shape), forms showing
 * their errors, and the emails the site sends, checked by axe against WCAG
 * 2.1 A and AA in Chromium; keyboard-only journeys for subscribing to alerts
 * and for taking a quiz, with a visible focus indicator at every stop.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, describe, vi } from "vitest";
import { signedInAs } from "../helpers/auth";
import { axeViolations } from "../helpers/browser";
import { crawl } from "../helpers/crawl";
import { test as base, expect, expectNoAxeViolations } from "../helpers/e2e";
import { recordFigure } from "../helpers/figures";
import { pageTypes } from "../helpers/page-types";

const COURSE = "aggregatori-e-convenzioni";

/** What the sweeps checked, for the figures. */
const checked: string[] = [];
let focusStops = 0;

/** A signed-in person: their session cookie and a browser context carrying it. */
interface SignedIn {
  cookie: string;
  context: BrowserContext;
}

const test = base
  /** A new context, signed in with `cookie` if given. */
  .extend("contextWith", { scope: "file" }, async ({ site, newContext }) => async (cookie?: string): Promise<BrowserContext> => {
    const context = await newContext();
    if (cookie) {
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: site.baseUrl }]);
    }
    return context;
  })
  .extend("visitor", { scope: "file" }, async ({ contextWith }) => contextWith())
  .extend("learner", { scope: "file" }, async ({ site, siteDb, contextWith }): Promise<SignedIn> => {
    void siteDb; // signedInAs writes through getDb(), which siteDb makes the site's
    const { cookie } = await signedInAs(site, "learner");
    return { cookie, context: await contextWith(cookie) };
  })
  .extend("admin", { scope: "file" }, async ({ site, siteDb, contextWith }): Promise<SignedIn> => {
    void siteDb;
    const { cookie } = await signedInAs(site, "admin");
    return { cookie, context: await contextWith(cookie) };
  })
  /** Runs axe on each path in `context` and returns every violation, prefixed with its path. */
  .extend("sweep", { scope: "file" }, async ({ url }) => async (context: BrowserContext, paths: string[]): Promise<string[]> => {
    const problems: string[] = [];
    const page = await context.newPage();
    for (const p of paths) {
      await page.goto(url(p));
      for (const v of await axeViolations(page)) problems.push(`${p}: ${v}`);
      checked.push(p);
    }
    await page.close();
    return problems;
  });
test.override("siteEnv", { scope: "file" }, () => ({ WORKER: "off" }));

/** Presses Tab until `match` holds for the focused element, checking that every stop shows its focus. */
async function tabTo(page: Page, match: (el: { id: string; text: string; tag: string; type: string }) => boolean, max = 150): Promise<void> {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press("Tab");
    const el = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      if (!a || a === document.body) return null;
      const cs = getComputedStyle(a);
      const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0;
      return { id: a.id, text: (a.textContent ?? "").trim(), tag: a.tagName.toLowerCase(), type: (a as HTMLInputElement).type ?? "", visible: outline || cs.boxShadow !== "none" };
    });
    if (!el) continue;
    focusStops += 1;
    expect({ focused: `${el.tag}#${el.id} ${el.text.slice(0, 40)}`, visible: el.visible }).toEqual({ focused: `${el.tag}#${el.id} ${el.text.slice(0, 40)}`, visible: true });
    if (match(el)) return;
  }
  throw new Error(`no focusable element matched after ${max} Tab presses on ${page.url()}`);
}

describe("accessibility (WCAG 2.1 AA) across the site", () => {
  afterAll(() => {
    recordFigure("accessibility", { pagesChecked: checked.length, distinctPaths: new Set(checked).size, focusStopsChecked: focusStops });
  });

  test("public pages: one of every type, plus the error pages", async ({ site, visitor, sweep }) => {
    const { responses } = await crawl(site.baseUrl, { limit: 250, perShape: 2 });
    const paths = [...pageTypes(responses, 60), "/pagina-che-non-esiste"];
    expect(paths.length).toBeGreaterThan(15);
    expect(await sweep(visitor, paths)).toEqual([]);
  }, 600_000);

  test("forms showing their error summary", async ({ url, visitor }) => {
    const page = await visitor.newPage();
    const problems: string[] = [];
    for (const path of ["/accessibilita/segnala", "/registrati", "/accedi", "/avvisi/iscriviti", "/password-dimenticata"]) {
      await page.goto(url(path));
      const submit = page.locator('main form[method="post"] [type="submit"]').first();
      await Promise.all([page.waitForURL(() => true), submit.click()]);
      await page.waitForLoadState("load");
      for (const v of await axeViolations(page)) problems.push(`${path} (errori): ${v}`);
      checked.push(`${path} (errori)`);
    }
    await page.close();
    expect(problems).toEqual([]);
  }, 300_000);

  test("learner pages: dashboard, account, course, lesson and quiz", async ({ site, url, learner, sweep }) => {
    const enrol = await fetch(url(`/formazione/${COURSE}`), { method: "POST", redirect: "manual", headers: { cookie: learner.cookie, Origin: site.baseUrl, "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    expect(enrol.status).toBe(303);
    const { responses } = await crawl(site.baseUrl, { cookie: learner.cookie, start: ["/account", `/formazione/${COURSE}`], limit: 80, perShape: 1, skip: (p) => p.startsWith("/esci") || !/^\/(account|formazione)/.test(p) });
    const paths = [...new Set([...pageTypes(responses, 25), `/formazione/${COURSE}/verifica`])];
    expect(paths.some((p) => /^\/formazione\/[^/]+\/[^/]+$/.test(p))).toBe(true);
    expect(await sweep(learner.context, paths)).toEqual([]);
  }, 600_000);

  test("back-office pages", async ({ site, admin, sweep }) => {
    const { responses } = await crawl(site.baseUrl, { cookie: admin.cookie, start: ["/gestione"], limit: 150, perShape: 1, skip: (p) => !p.startsWith("/gestione") });
    const paths = pageTypes(responses, 40);
    expect(paths.length, responses.map((r) => `${r.status} ${r.url}`).join("\n")).toBeGreaterThan(5);
    expect(await sweep(admin.context, paths)).toEqual([]);
  }, 600_000);

  test("subscribing to alerts with the keyboard alone", async ({ url, visitor }) => {
    const page = await visitor.newPage();
    await page.goto(url("/avvisi/iscriviti"));
    await tabTo(page, (el) => el.id === "campo-email");
    await page.keyboard.type("tastiera@comune.example.it");
    await tabTo(page, (el) => el.id === "consent");
    await page.keyboard.press("Space");
    await tabTo(page, (el) => el.tag === "button" && el.text === "Iscriviti");
    await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
    await page.waitForSelector("h1");
    expect(await page.textContent("h1")).toBe("Controlla la tua casella di posta");
    await expectNoAxeViolations(page);
    await page.close();
  }, 180_000);

  test("taking a quiz with the keyboard alone", async ({ site, url, learner }) => {
    await fetch(url(`/formazione/${COURSE}`), { method: "POST", redirect: "manual", headers: { cookie: learner.cookie, Origin: site.baseUrl, "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    const page = await learner.context.newPage();
    // Complete every lesson (plain form posts, as without JavaScript) so the quiz opens.
    await page.goto(url(`/formazione/${COURSE}`));
    const lessons = await page.locator(`main a[href^="/formazione/${COURSE}/"]:not([href$="/verifica"])`).evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute("href")!))]);
    expect(lessons.length).toBeGreaterThanOrEqual(4);
    for (const lesson of lessons) {
      await page.goto(url(lesson));
      const complete = page.getByRole("button", { name: "Segna come completata" });
      if (await complete.count()) await Promise.all([page.waitForLoadState("load"), complete.click()]);
    }
    await page.goto(url(`/formazione/${COURSE}/verifica`));
    const questions = await page.locator("form[data-quiz] fieldset").count();
    expect(questions, await page.locator("main").innerText()).toBeGreaterThan(0);
    // In each question: Tab reaches the first option, Space selects it.
    for (let q = 0; q < questions; q += 1) {
      const firstOption = await page.locator("form[data-quiz] fieldset").nth(q).locator("input").first().getAttribute("id");
      await tabTo(page, (el) => el.id === firstOption);
      await page.keyboard.press("Space");
    }
    await tabTo(page, (el) => el.tag === "button" && el.text === "Invia le risposte");
    await Promise.all([page.waitForLoadState("load"), page.keyboard.press("Enter")]);
    await page.waitForSelector("#esito");
    expect(await page.textContent("#esito")).toMatch(/Verifica (superata|non superata)/);
    await expectNoAxeViolations(page);
    await page.close();
  }, 300_000);

  test("emails the site sent, rendered as HTML", async ({ site, url, visitor }) => {
    const page = await visitor.newPage();
    await page.goto(url("/accessibilita/segnala"));
    await page.locator("#campo-email").fill("lettore@comune.example.it");
    await page.locator("#campo-description").fill("Il grafico della pagina convenzioni non ha un'alternativa testuale.");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Invia la segnalazione" }).click()]);
    // The report's two messages leave through the transactional-mail queue a moment after the answer.
    const mails = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).filter((m) => typeof m.html === "string");
        expect(found.filter((m) => /segnalazione/i.test(m.subject ?? ""))).toHaveLength(2);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(mails.length).toBeGreaterThanOrEqual(3);
    const problems: string[] = [];
    for (const mail of mails) {
      await page.setContent(mail.html as string);
      for (const v of await axeViolations(page)) problems.push(`email «${mail.subject}»: ${v}`);
      checked.push(`email: ${mail.subject}`);
    }
    await page.close();
    expect(problems).toEqual([]);
  }, 300_000);
});
