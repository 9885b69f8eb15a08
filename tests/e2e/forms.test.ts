/**
 * Every form page in Chromium: once text is typed into a field, its label
 * must not sit on top of it (static labels above the fields), and shared
 * breadcrumbs show a separator between their items.
 */
import type { BrowserContext, Page } from "playwright-core";
import { describe, vi } from "vitest";
import { signedInAs } from "../helpers/auth";
import { test as base, expect } from "../helpers/e2e";
import { postForm } from "../helpers/forms";

const SAMPLE: Record<string, string> = {
  date: "2027-01-15",
  number: "2027",
  email: "persona@comune.example.it",
  url: "https://www.example.it/",
  tel: "06 1234567",
  "datetime-local": "2027-01-15T09:30",
};

interface Overlap {
  field: string;
  label: DOMRect | null;
  box: DOMRect | null;
}

/** Types into every visible text-like field of the page's forms and returns the fields whose label box overlaps the field box. */
async function overlappingLabels(page: Page): Promise<{ checked: number; overlaps: Overlap[] }> {
  const fields = page.locator(
    "main form input:is([type=text],[type=email],[type=password],[type=date],[type=number],[type=url],[type=tel],[type=search],[type=datetime-local],:not([type])):visible, main form textarea:visible",
  );
  const count = await fields.count();
  const overlaps: Overlap[] = [];
  for (let i = 0; i < count; i++) {
    const field = fields.nth(i);
    const type = (await field.getAttribute("type")) ?? "text";
    await field.fill(SAMPLE[type] ?? "Testo di prova scritto nel campo");
    const found = await field.evaluate((el) => {
      const label = el.id ? document.querySelector<HTMLLabelElement>(`label[for="${CSS.escape(el.id)}"]`) : null;
      const a = label?.getBoundingClientRect() ?? null;
      const b = el.getBoundingClientRect();
      const overlap = a !== null && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
      return { field: el.getAttribute("name") ?? el.id, hasLabel: label !== null, overlap, label: a && a.toJSON(), box: b.toJSON() };
    });
    expect(found.hasLabel, `${page.url()}: field ${found.field} has a label`).toBe(true);
    if (found.overlap) overlaps.push({ field: found.field, label: found.label, box: found.box });
  }
  return { checked: count, overlaps };
}

const DESKTOP = { viewport: { width: 1366, height: 900 } };

const test = base
  /** A signed-in administrator's context. */
  .extend("admin", { scope: "file" }, async ({ site, siteDb, newContext }): Promise<BrowserContext> => {
    void siteDb; // signedInAs writes through getDb(), which siteDb makes the site's
    const { cookie } = await signedInAs(site, "admin");
    const admin = await newContext(DESKTOP);
    const [name, value] = cookie.split("=") as [string, string];
    await admin.addCookies([{ name, value, url: site.baseUrl }]);
    return admin;
  })
  /** An anonymous visitor's context. */
  .extend("visitor", { scope: "file" }, async ({ newContext }): Promise<BrowserContext> => newContext(DESKTOP))
  /** A real reset link's token, so the reset form is shown. */
  .extend("resetToken", { scope: "file" }, async ({ site, siteDb }): Promise<string> => {
    void siteDb;
    const { user } = await signedInAs(site, "learner");
    await postForm(site.baseUrl, "/password-dimenticata", { email: user.email });
    const mail = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).find((m) => m.text?.includes("/reimposta-password?token="));
        if (!found) throw new Error("no password reset mail in the outbox yet");
        return found;
      },
      { timeout: 5_000, interval: 50 },
    );
    return /reimposta-password\?token=([\w-]+)/.exec(mail.text!)![1]!;
  });

describe("form pages in the browser", () => {
  test("keeps every label clear of its field once text is typed", async ({ site, admin, visitor, resetToken }) => {
    const pages: [BrowserContext, string][] = [
      [visitor, "/accedi"],
      [visitor, "/registrati"],
      [visitor, "/password-dimenticata"],
      [visitor, `/reimposta-password?token=${resetToken}`],
      [visitor, "/avvisi/iscriviti"],
      [visitor, "/accessibilita/segnala"],
      [visitor, "/attestati/verifica"],
      [admin, "/account"],
      [admin, "/account/password"],
      [admin, "/account/elimina"],
      [admin, "/gestione/comunicati/nuovo"],
      [admin, "/gestione/catalogo/convenzioni/nuova"],
      [admin, "/gestione/catalogo/iniziative/nuova"],
      [admin, "/gestione/catalogo/soggetti/nuovo"],
      [admin, "/gestione/catalogo/categorie/nuova"],
      [admin, "/gestione/catalogo/piani/nuovo"],
    ];
    const problems: string[] = [];
    let checked = 0;
    for (const [context, path] of pages) {
      const page = await context.newPage();
      const response = await page.goto(`${site.baseUrl}${path}`);
      expect(response?.status(), path).toBe(200);
      const result = await overlappingLabels(page);
      expect(result.checked, `${path} has text fields`).toBeGreaterThan(0);
      checked += result.checked;
      for (const o of result.overlaps) problems.push(`${path} ${o.field}: label ${JSON.stringify(o.label)} over field ${JSON.stringify(o.box)}`);
      await page.close();
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  test("shows a separator between breadcrumb items", async ({ site, admin, visitor }) => {
    for (const [context, path, expected] of [
      [visitor, "/avvisi/iscriviti", /Avvisi\s*\/\s*Iscriviti/],
      [visitor, "/accessibilita/segnala", /Dichiarazione di accessibilità\s*\/\s*Segnala un problema/],
      [admin, "/gestione/catalogo/categorie/nuova", /Gestione\s*\/\s*Catalogo\s*\/\s*Nuova categoria/],
    ] as const) {
      const page = await context.newPage();
      await page.goto(`${site.baseUrl}${path}`);
      const text = await page.locator('nav[aria-label="Percorso"]').innerText();
      expect(text, path).toMatch(expected);
      await page.close();
    }
  });
});
