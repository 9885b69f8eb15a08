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
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { test as base, expect } from "vitest";
import { openDatabase, type Connection } from "@/lib/db";
import { axeViolations, launchBrowser } from "./browser";
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
  /** The site's database, opened beside the server (for checks the pages do not show). */
  .extend("siteDb", { scope: "file" }, async ({ site }, { onCleanup }): Promise<Connection> => {
    const connection = await openDatabase(site.databaseUrl);
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
  /** An absolute address on the running site. */
  .extend("url", { scope: "file" }, async ({ site }) => (path: string) => new URL(path, site.baseUrl).toString());

/** Fails with the page's address and every WCAG 2.1 A/AA violation axe finds on it. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const where = new URL(page.url()).pathname + new URL(page.url()).search;
  expect({ where, violations: await axeViolations(page) }).toEqual({ where, violations: [] });
}
