/**
 * Assigned training in the browser: an admin assigns a course through the
 * form, the learner gets the mail and sees who assigned it and by when, reads
 * a lesson beside the course outline, checks their grade page, and turns
 * reminders off with the mail's one-click unsubscribe.
 *
 * With SCREENSHOT_DIR set, the pages are also saved there at 1366 and 320 px.
 */
import path from "node:path";
import { and, eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { courseVersions } from "@db/schema";
import { completeLesson, lessonsOf, quizPage, submitQuiz } from "@/learning";
import { addDays, todayInItaly } from "@/lib/dates";
import { formatDate } from "@/lib/format";
import { signedInAs, type TestUser } from "../helpers/auth";
import { expectNoAxeViolations, expect, test as base } from "../helpers/e2e";

const COURSE = "aggregatori-e-convenzioni";
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 320, height: 800 };
const DUE = addDays(todayInItaly(), 60);

async function shoot(page: Page, name: string, part?: string) {
  const dir = process.env.SCREENSHOT_DIR;
  if (!dir) return;
  for (const [label, viewport] of [["1366", DESKTOP], ["320", PHONE]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: path.join(dir, `${name}-${label}.png`), fullPage: true });
    // The top of the page, and the part under test, as a person sees them on the screen.
    await page.screenshot({ path: path.join(dir, `${name}-${label}-top.png`) });
    if (part) await page.locator(part).screenshot({ path: path.join(dir, `${name}-${label}-part.png`) });
  }
  await page.setViewportSize(DESKTOP);
}

const test = base
  .override("siteEnv", { scope: "file" }, ({ smtp }) => ({ SMTP_URL: smtp.url }))
  .extend("people", { scope: "file" }, async ({ site, siteDb, browser }, { onCleanup }) => {
    void siteDb; // signedInAs writes through getDb(), which siteDb makes the site's
    const contexts: BrowserContext[] = [];
    onCleanup(async () => {
      for (const c of contexts) await c.close();
    });
    const open = async (role: "admin" | "learner") => {
      const { user, cookie } = await signedInAs(site, role);
      const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: site.baseUrl }]);
      contexts.push(context);
      return { user, cookie, context };
    };
    return { admin: await open("admin"), learner: await open("learner") } as Record<"admin" | "learner", { user: TestUser; cookie: string; context: BrowserContext }>;
  });

test("an admin assigns a course; the learner is told by mail and sees who assigned it and by when", async ({ people, smtp, url, site }) => {
  const { admin, learner } = people;
  const page = await admin.context.newPage();
  await page.goto(url("/gestione/formazione/assegnazioni"));
  await expectNoAxeViolations(page);
  await shoot(page, "assegna");

  // Refused: no one to assign to, and a date in the past. The typed values stay.
  await page.locator("#campo-corso").selectOption(COURSE);
  await page.locator("#campo-scadenza").fill("2020-01-10");
  await page.getByRole("button", { name: "Assegna il corso" }).click();
  await page.getByRole("alert").getByText("Indica almeno un indirizzo email oppure il dominio di un ente.").waitFor();
  await page.locator("#campo-indirizzi").fill(`${learner.user.email}\nsenza.account@comune-e2e.example.it`);
  await page.getByRole("button", { name: "Assegna il corso" }).click();
  await page.getByRole("alert").getByText("La data di scadenza è già passata: indica oggi o un giorno futuro.").waitFor();
  expect(await page.locator("#campo-indirizzi").inputValue()).toContain(learner.user.email);
  await expectNoAxeViolations(page);

  await page.locator("#campo-scadenza").fill(DUE);
  await page.locator("#campo-assegnato_da").fill("Ufficio formazione della Regione");
  await Promise.all([page.waitForURL(/\/gestione\/formazione\/assegnazioni\/\d+\?esito=creata$/), page.getByRole("button", { name: "Assegna il corso" }).click()]);
  await page.getByRole("status").getByText("Corso assegnato.").waitFor();
  expect(await page.getByRole("heading", { name: "Completamento per ente" }).count()).toBe(1);
  const rows = page.locator("section[aria-labelledby=persone] tbody tr");
  expect(await rows.count()).toBe(2);
  await expectNoAxeViolations(page);
  await shoot(page, "assegnazione");

  // The CSV lists both people.
  const csvHref = await page.getByRole("link", { name: /Scarica in CSV/ }).getAttribute("href");
  const csv = await fetch(url(csvHref!), { headers: { cookie: admin.cookie } });
  expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  const text = await csv.text();
  expect(text).toContain(learner.user.email);
  expect(text).toContain(`senza.account@comune-e2e.example.it,Senza account (@comune-e2e.example.it),Senza account,no,${DUE}`);

  // Both addresses get the assignment mail, with one-click unsubscribe.
  const mails = await smtp.waitFor(2);
  const mail = mails.find((m) => !Array.isArray(m.to) && m.to?.text === learner.user.email)!;
  expect(mail.subject).toBe(`Ti è stato assegnato il corso «Soggetti aggregatori e convenzioni per le amministrazioni», da completare entro il ${formatDate(DUE)}`);
  const unsubscribe = /<([^>]+)>/.exec(mail.headerLines.find((h) => h.key === "list-unsubscribe")!.line)![1]!;
  expect(unsubscribe.startsWith(`${site.baseUrl}/formazione/promemoria?t=`)).toBe(true);

  const mine = await learner.context.newPage();
  await mine.goto(url("/account/formazione"));
  await mine.getByText(`Assegnato da Ufficio formazione della Regione entro il ${formatDate(DUE)}.`).waitFor();
  await expectNoAxeViolations(mine);
  await shoot(mine, "la-mia-formazione");
  await mine.goto(url(`/formazione/${COURSE}`));
  await mine.getByText(`Assegnato da Ufficio formazione della Regione entro il ${formatDate(DUE)}`).waitFor();
  await shoot(mine, "corso-assegnato");

  // The mail provider's one-click POST (no cookie, no Origin) turns reminders off; the link's page then says so.
  const oneClick = await fetch(unsubscribe, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
  expect([oneClick.status, await oneClick.text()]).toEqual([200, "Promemoria disattivati.\n"]);
  await mine.goto(unsubscribe);
  await mine.getByRole("heading", { name: "Promemoria disattivati" }).waitFor();
  await mine.getByRole("button", { name: "Riattiva i promemoria" }).click();
  await mine.getByRole("status").getByText(`Promemoria riattivati per l'indirizzo ${learner.user.email}.`).waitFor();
  await expectNoAxeViolations(mine);
  // A forged token is refused.
  const forged = await fetch(unsubscribe.replace(/.$/, (c) => (c === "A" ? "B" : "A")));
  expect(forged.status).toBe(404);
});

test("a lesson sits beside the course outline, which moves below it on a phone", async ({ people, url }) => {
  const { learner } = people;
  const page = await learner.context.newPage();
  await page.goto(url(`/formazione/${COURSE}`));
  await Promise.all([page.waitForURL(/\/cosa-sono-i-soggetti-aggregatori$/), page.getByRole("button", { name: "Iscriviti al corso" }).click()]);
  await Promise.all([page.waitForURL(/completata=cosa-sono-i-soggetti-aggregatori$/), page.getByRole("button", { name: "Segna come completata" }).click()]);

  const outline = page.getByRole("navigation", { name: "Struttura del corso" });
  const current = outline.locator('a[aria-current="page"]');
  expect(await current.count()).toBe(1);
  const lessonTitle = await page.getByRole("heading", { level: 1 }).innerText();
  expect(await current.innerText()).toContain(lessonTitle);
  expect(await outline.getByRole("link", { name: "Cosa sono i soggetti aggregatori (completata)" }).count()).toBe(1);
  expect(await outline.getByText("1 di 6 lezioni completate").count()).toBe(1);
  expect(await outline.getByRole("heading", { level: 3 }).count()).toBeGreaterThanOrEqual(2);
  await expectNoAxeViolations(page);

  // Beside the lesson at 1366 px; below it, at full width, at 320 px.
  const article = page.locator("article.lesson");
  const wide = { article: (await article.boundingBox())!, outline: (await outline.boundingBox())! };
  expect(wide.outline.x).toBeGreaterThan(wide.article.x + wide.article.width - 1);
  expect(wide.outline.y).toBeLessThan(wide.article.y + wide.article.height);
  await page.setViewportSize(PHONE);
  const narrow = { article: (await article.boundingBox())!, outline: (await outline.boundingBox())! };
  expect(narrow.outline.y).toBeGreaterThan(narrow.article.y + narrow.article.height);
  expect(narrow.article.width).toBeGreaterThan(260);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await page.setViewportSize(DESKTOP);
  await shoot(page, "lezione", ".course-outline-aside");
});

test("the learner's grade page lists every attempt with date, score and outcome", async ({ people, url, siteDb }) => {
  const { learner } = people;
  const [version] = await siteDb.db.select().from(courseVersions).where(and(eq(courseVersions.courseSlug, COURSE), eq(courseVersions.isCurrent, true)));
  for (const lesson of lessonsOf(version!.structure)) await completeLesson(learner.user.id, COURSE, lesson.slug);
  const bank = new Map(version!.structure.quiz.map((q) => [q.id, q]));
  for (const right of [2, Infinity]) {
    const quiz = (await quizPage(COURSE, learner.user.id))!;
    const answers = Object.fromEntries(
      quiz.questions.map((shown, i) => {
        const q = bank.get(shown.id)!;
        return [q.id, i < right ? q.correct : q.options.filter((o) => !q.correct.includes(o.id)).slice(0, 1).map((o) => o.id)];
      }),
    );
    expect(await submitQuiz(learner.user.id, COURSE, quiz.drawToken!, answers)).toMatchObject({ status: "graded" });
  }

  const page = await learner.context.newPage();
  await page.goto(url(`/formazione/${COURSE}`));
  await Promise.all([page.waitForURL(/\/risultati$/), page.getByRole("link", { name: "I tuoi risultati" }).click()]);
  await page.getByRole("heading", { name: "I tuoi risultati", level: 1 }).waitFor();
  const rows = page.locator("table tbody tr");
  expect(await rows.count()).toBe(2);
  expect(await rows.nth(0).innerText()).toMatch(/^1\s+\d{1,2} \w+ 20\d\d.*\s+20%\s+Non superata\s+Rivedi/s);
  expect(await rows.nth(1).innerText()).toMatch(/^2\s+.*\s+100%\s+Superata\s+Rivedi/s);
  expect(await page.getByText("Superata", { exact: true }).first().count()).toBe(1);
  expect(await page.getByRole("link", { name: "vedi l'attestato" }).count()).toBe(1);
  await expectNoAxeViolations(page);
  await shoot(page, "risultati");
  // The first attempt's review opens from its row.
  await Promise.all([page.waitForURL(/verifica\?tentativo=\d+$/), page.getByRole("link", { name: /Rivedi il tentativo 1 / }).click()]);

  // Signed out, the grade page asks to sign in.
  const anonymous = await fetch(url(`/formazione/${COURSE}/risultati`), { redirect: "manual" });
  expect(anonymous.status).toBe(303);
});
