/**
 * The one set-up of every browser test, as Vitest fixtures: the real built
 * site (its own database, outbox and uploads), Debian's Chromium and a
 * browser context, each started once per file for the first test that asks
 * for it and stopped after the file's last test.
 *
 *   import { test, expect } from "../helpers/e2e";
 *   test("…", async ({ site, context, url }) => { const page = await context.newPage(); await page.goto(url("/")); });
 *
 * A file that needs the site with other settings (a real SMTP peer, the
 * worker on) overrides `siteEnv` at its top level:
 *
 *   test.override("siteEnv", { scope: "file" }, ({ smtp }) => ({ SMTP_URL: smtp.url, WORKER: "on" }));
 *
 * `siteDb` also makes the site's database this process's getDb(); ask for it
 * (even unused) before helpers that write through domain functions.
 * `newContext` opens further browser contexts, closed with the file.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { test as base, expect } from "vitest";
import type { Connection } from "@/lib/db";
import { axeViolations, launchBrowser } from "./browser";
import { useSiteDatabase } from "./db";
import { startSite, type RunningSite } from "./server";
import { startSmtpSink, type SmtpSink } from "./smtp";

export { expect };

export const test = base
  .extend("smtp", { scope: "file" }, async ({}, { onCleanup }): Promise<SmtpSink> => {
    const sink = await startSmtpSink();
    onCleanup(() => sink.close());
    return sink;
  })
  .extend("siteEnv", { scope: "file" }, async (): Promise<Record<string, string>> => ({}))
  .extend("site", { scope: "file" }, async ({ siteEnv }, { onCleanup }): Promise<RunningSite> => {
    const site = await startSite(siteEnv);
    onCleanup(() => site.stop());
    return site;
  })
  /**
   * The site's database, opened beside the server and made this process's
   * getDb() (so helpers such as createUserWithRole write where the site reads).
   */
  .extend("siteDb", { scope: "file" }, async ({ site }, { onCleanup }): Promise<Connection> => {
    const connection = await useSiteDatabase(site);
    onCleanup(() => connection.client.close());
    return connection;
  })
  .extend("browser", { scope: "file" }, async ({}, { onCleanup }): Promise<Browser> => {
    const browser = await launchBrowser();
    onCleanup(() => browser.close());
    return browser;
  })
  .extend("context", { scope: "file" }, async ({ browser }, { onCleanup }): Promise<BrowserContext> => {
    const context = await browser.newContext({ acceptDownloads: true });
    onCleanup(() => context.close());
    return context;
  })
  /**
   * Opens another browser context (other options, another visitor); every
   * context it opened is closed after the file's last test.
   */
  .extend("newContext", { scope: "file" }, async ({ browser }, { onCleanup }) => {
    const opened: BrowserContext[] = [];
    onCleanup(async () => {
      for (const context of opened) await context.close();
    });
    return async (options?: BrowserContextOptions): Promise<BrowserContext> => {
      const context = await browser.newContext(options);
      opened.push(context);
      return context;
    };
  })
  /** An absolute address on the running site. */
  .extend("url", { scope: "file" }, async ({ site }) => (path: string) => new URL(path, site.baseUrl).toString());

/**
 * Fails with the page's address (or `where`, e.g. for an email set as the
 * page's content) and every WCAG 2.1 A/AA violation axe finds on it.
 */
export async function expectNoAxeViolations(page: Page, where = new URL(page.url()).pathname + new URL(page.url()).search): Promise<void> {
  expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
}
