/**
 * The alert journey in Chromium against the built site, its worker running
 * inside `npm start` and mail going to a real SMTP peer: subscribe, confirm
 * from the received email, a matching press release arrives, one-click
 * unsubscribe, the next one does not.
 */
import { eq, sql } from "drizzle-orm";
import { describe, vi } from "vitest";
import { announcements, deliveries } from "@db/schema";
import { signedInAs } from "../helpers/auth";
import { test as base, expect, expectNoAxeViolations as expectAccessible } from "../helpers/e2e";
import { postForm } from "../helpers/forms";
import type { SmtpSink } from "../helpers/smtp";

const EMAIL = "ufficio.gare@comune-di-prova.example.it";

const to = (m: SmtpSink["messages"][number]) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text;

const test = base
  /** Waits for the mails to EMAIL whose subject contains `subject`. */
  .extend("mailWith", { scope: "file" }, async ({ smtp, site }) => (subject: string, timeoutMs = 30_000) =>
    vi.waitFor(
      () => {
        const found = smtp.messages.filter((m) => to(m) === EMAIL && m.subject?.includes(subject));
        if (found.length === 0) throw new Error(`no mail "${subject}" for ${EMAIL}; got: ${smtp.messages.map((m) => m.subject).join(" | ")}\n${site.output()}`);
        return found;
      },
      { timeout: timeoutMs, interval: 100 },
    ),
  )
  /** Shows a mail's HTML in a page and runs axe on it. */
  .extend("expectAccessibleMail", { scope: "file" }, async ({ context }) => async (html: string | false | undefined, label: string) => {
    expect(html).toBeTruthy();
    const page = await context.newPage();
    await page.setContent(html as string);
    await expectAccessible(page, label);
    await page.close();
  })
  /** Publishes a press release from the back office with the editor's `cookie`. */
  .extend("publishPress", { scope: "file" }, async ({ site }) => async (cookie: string, title: string) => {
    const response = await postForm(
      site.baseUrl,
      "/gestione/comunicati/nuovo",
      new URLSearchParams({ kind: "press_release", title, summary: "Nuovo accordo tra soggetti aggregatori.", body: "Testo del comunicato.", status: "published", contactBlock: "" }),
      { cookie },
    );
    expect(response.status).toBe(303);
  });
test.override("siteEnv", { scope: "file" }, ({ smtp }) => ({ SMTP_URL: smtp.url, WORKER: "on", ALERTS_POLL_MS: "200" }));

describe("email alerts in the browser", () => {
  test("subscribe, confirm, receive, unsubscribe with one click, receive nothing more", async ({ site, siteDb, smtp, context, mailWith, expectAccessibleMail, publishPress }) => {
    const page = await context.newPage();
    await page.goto(`${site.baseUrl}/avvisi`);
    expect(await page.locator('link[rel="alternate"][type="application/rss+xml"][href="/feed.xml"]').count()).toBe(1);
    await expectAccessible(page, "/avvisi");
    await page.getByRole("link", { name: "Iscriviti agli avvisi" }).click();
    await page.waitForURL("**/avvisi/iscriviti");
    await expectAccessible(page, "/avvisi/iscriviti");

    // Submitting without consent is refused with a linked error summary.
    await page.getByLabel("Indirizzo email").fill(EMAIL);
    await page.getByRole("button", { name: "Iscriviti" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("consenso");
    await expectAccessible(page, "/avvisi/iscriviti with errors");

    // Bootstrap Italia draws the box on the label, as a person clicks it.
    const setBox = async (id: string, checked: boolean) => {
      if ((await page.locator(`#${id}`).isChecked()) !== checked) await page.locator(`label[for="${id}"]`).click();
      expect(await page.locator(`#${id}`).isChecked()).toBe(checked);
    };
    await setBox("kinds-convention", false);
    await setBox("kinds-planned", false);
    await setBox("kinds-initiative", false);
    await setBox("kinds-press", true);
    await setBox("consent", true);
    await page.getByRole("button", { name: "Iscriviti" }).click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Controlla la tua casella di posta");

    const [confirmation] = await mailWith("Conferma l'iscrizione");
    await expectAccessibleMail(confirmation!.html, "confirmation mail");
    const confirmUrl = /https?:\/\/\S+\/avvisi\/conferma\?t=[\w-]+/.exec(confirmation!.text ?? "")![0];
    expect(confirmUrl.startsWith(site.baseUrl)).toBe(true);
    await page.goto(confirmUrl);
    await expectAccessible(page, "/avvisi/conferma");
    await page.getByRole("button", { name: "Conferma l'iscrizione" }).click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Iscrizione confermata");
    const [welcome] = await mailWith("Iscrizione confermata");
    expect(welcome!.text).toContain("Comunicati stampa");
    await expectAccessibleMail(welcome!.html, "welcome mail");

    const { cookie } = await signedInAs(site, "editor");
    await publishPress(cookie, "Protocollo d'intesa per gli acquisti in rete");
    const [alert] = await mailWith("Protocollo d'intesa per gli acquisti in rete");
    expect(alert!.from?.text).toContain("noreply@aggrega.localhost");
    await expectAccessibleMail(alert!.html, "alert mail");
    const headerLine = (name: string) => alert!.headerLines.find((h) => h.key === name)?.line.replace(/\r\n\s+/g, " ");
    expect(headerLine("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    const unsubscribeUrl = /<(http[^>]+\/avvisi\/disiscrizione\?t=[^>]+)>/.exec(headerLine("list-unsubscribe") ?? "")![1]!;
    expect(alert!.text).toContain(unsubscribeUrl);

    // The preference centre and the visible unsubscribe link answer without signing in.
    const preferencesUrl = /https?:\/\/\S+\/avvisi\/preferenze\?t=\S+/.exec(alert!.text ?? "")![0];
    await page.goto(preferencesUrl);
    expect(await page.getByLabel("Comunicati stampa").isChecked()).toBe(true);
    await expectAccessible(page, "/avvisi/preferenze");
    await page.locator('label[for="frequency-weekly"]').click();
    await page.getByRole("button", { name: "Salva le preferenze" }).click();
    await expect(page.getByRole("status").first().textContent()).resolves.toContain("Preferenze salvate");
    expect(await page.locator("#frequency-weekly").isChecked()).toBe(true);
    await page.locator('label[for="frequency-immediate"]').click();
    await page.getByRole("button", { name: "Salva le preferenze" }).click();
    expect(await page.locator("#frequency-immediate").isChecked()).toBe(true);
    await page.goto(unsubscribeUrl);
    await expect(page.getByRole("button", { name: "Sì, annulla l'iscrizione" }).count()).resolves.toBe(1);
    await expectAccessible(page, "/avvisi/disiscrizione");

    // RFC 8058: the mail provider POSTs from its servers, with no cookie and no Origin.
    const oneClick = await fetch(unsubscribeUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain("Iscrizione annullata");
    // Other cross-site form posts are still refused.
    const crossSite = await fetch(`${site.baseUrl}/avvisi/iscriviti`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "email=x@example.it" });
    expect(crossSite.status).toBe(403);

    await publishPress(cookie, "Seconda notizia dopo la disiscrizione");
    // Once the worker has fanned the publication out and nothing waits to be sent, every mail it sent is in the
    // sink: a delivery is marked sent only after the SMTP peer accepted it, and the sink records it before accepting.
    await expect
      .poll(
        async () => {
          const [row] = await siteDb.db.select().from(announcements).where(eq(announcements.title, "Seconda notizia dopo la disiscrizione"));
          const [waiting] = await siteDb.db.select({ n: sql<number>`count(*)` }).from(deliveries).where(sql`${deliveries.status} IN ('queued', 'digest')`);
          return { fannedOut: Boolean(row?.fannedOutAt), waiting: Number(waiting!.n) };
        },
        { timeout: 30_000, interval: 200, message: "the second publication was not processed" },
      )
      .toEqual({ fannedOut: true, waiting: 0 });
    expect(smtp.messages.filter((m) => to(m) === EMAIL).map((m) => m.subject)).toEqual([
      "Conferma l'iscrizione agli avvisi di Aggrega",
      "Iscrizione confermata: gli avvisi di Aggrega",
      "Comunicato stampa: Protocollo d'intesa per gli acquisti in rete",
    ]);
    await page.close();
  });

  test("shows editors the delivery status of each announcement, accessibly", async ({ site, siteDb, newContext }) => {
    void siteDb; // signedInAs writes through getDb(), which siteDb makes the site's
    const { cookie } = await signedInAs(site, "editor");
    const [name, value] = cookie.split("=") as [string, string];
    const editor = await newContext();
    await editor.addCookies([{ name, value, url: site.baseUrl }]);
    const page = await editor.newPage();
    await page.goto(`${site.baseUrl}/gestione/avvisi`);
    await expectAccessible(page, "/gestione/avvisi");
    const row = page.getByRole("row", { name: /Protocollo d'intesa per gli acquisti in rete/ });
    await expect(row.getByRole("cell").allTextContents()).resolves.toEqual(["Comunicati stampa", expect.any(String), "0", "1", "0", "0"]);
    await row.getByRole("link").click();
    await expect(page.locator("h1").textContent()).resolves.toBe("Protocollo d'intesa per gli acquisti in rete");
    await expectAccessible(page, "/gestione/avvisi/[id]");
    await page.goto(`${site.baseUrl}/account/avvisi`);
    await expectAccessible(page, "/account/avvisi");
    await editor.close();
  });

  test("serves the feeds with caching headers and 304s", async ({ site }) => {
    const response = await fetch(`${site.baseUrl}/feed/tipo/press.xml`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Protocollo d'intesa per gli acquisti in rete");
    const etag = response.headers.get("etag")!;
    expect((await fetch(`${site.baseUrl}/feed/tipo/press.xml`, { headers: { "If-None-Match": etag } })).status).toBe(304);
    expect((await fetch(`${site.baseUrl}/feed/tipo/inesistente.xml`)).status).toBe(404);
  });
});
