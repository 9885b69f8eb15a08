import path from "node:path";
import { createLocalJWKSet, jwtVerify, type JWK } from "jose";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadCourse, type CourseDefinition } from "@/learning/content";
import { lessonsOf } from "@/learning/courses";
import { createUserWithRole, TEST_PASSWORD } from "../helpers/auth";
import { axeViolations, launchBrowser } from "../helpers/browser";
import { ROOT, useSiteDatabase } from "../helpers/db";
import { startSite, type RunningSite } from "../helpers/server";

const SLUG = "aggregatori-e-convenzioni";

describe("a learner takes a course to the certificate, and an admin revokes it", () => {
  let site: RunningSite;
  let browser: Browser;
  let learner: BrowserContext;
  let admin: BrowserContext;
  let course: CourseDefinition;
  const email = `corsista-${Date.now()}@prova.example.it`;
  const name = "Ludovica Ferrante";

  const url = (p: string) => new URL(p, site.baseUrl).toString();
  async function expectNoAxeViolations(page: Page) {
    expect({ path: new URL(page.url()).pathname, violations: await axeViolations(page) }).toEqual({ path: new URL(page.url()).pathname, violations: [] });
  }
  async function signIn(page: Page, address: string, dopo: string) {
    await page.goto(url(`/accedi?dopo=${encodeURIComponent(dopo)}`));
    await page.locator("#campo-email").fill(address);
    await page.locator("#campo-password").fill(TEST_PASSWORD);
    await Promise.all([page.waitForURL((u) => u.pathname === dopo), page.getByRole("button", { name: "Accedi" }).click()]);
  }

  beforeAll(async () => {
    site = await startSite();
    await useSiteDatabase(site);
    browser = await launchBrowser();
    learner = await browser.newContext({ acceptDownloads: true });
    admin = await browser.newContext();
    course = await loadCourse(ROOT, SLUG);
  });
  afterAll(async () => {
    await learner?.close();
    await admin?.close();
    await browser?.close();
    await site?.stop();
  });

  it("shows the catalog and the syllabus to anonymous visitors, and asks them to sign in for the quiz", async () => {
    const page = await learner.newPage();
    await page.goto(url("/formazione"));
    for (const title of ["Soggetti aggregatori e convenzioni per le amministrazioni", "Piattaforme di e-procurement e interoperabilità", "Partecipare alle gare aggregate come fornitore"]) {
      expect(await page.getByRole("heading", { name: title }).count()).toBe(1);
    }
    await expectNoAxeViolations(page);
    await page.goto(url(`/formazione/${SLUG}`));
    expect(await page.getByRole("heading", { name: "Programma" }).count()).toBe(1);
    expect(await page.getByRole("link", { name: "Aderire a una convenzione, passo per passo" }).count()).toBe(1);
    await expectNoAxeViolations(page);
    const quiz = await fetch(url(`/formazione/${SLUG}/verifica`), { redirect: "manual" });
    expect(quiz.status).toBe(303);
    expect(quiz.headers.get("location")).toContain("/accedi?dopo=");
    await page.close();
  });

  it("registers, verifies the email, follows every lesson, fails then passes the quiz and gets a certificate that names the learner", async () => {
    const page = await learner.newPage();
    await page.goto(url("/registrati"));
    await page.locator("#campo-name").fill(name);
    await page.locator("#campo-email").fill(email);
    await page.locator("#campo-organisation").fill("Comune di Prova");
    await page.locator("#campo-password").fill(TEST_PASSWORD);
    await page.locator("#campo-passwordConfirm").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: /Registrati|Crea/ }).click();
    await page.getByRole("heading", { name: "Controlla la tua email" }).waitFor();

    // The verification mail leaves through the transactional-mail queue a moment after the answer.
    const mail = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).find((m) => m.to && JSON.stringify(m.to).includes(email));
        if (!found) throw new Error(`no verification mail for ${email} yet`);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    const link = mail?.text?.match(/https?:\/\/\S+\/account\/verifica\?token=[\w-]+/)?.[0];
    expect(link).toBeTruthy();
    await page.goto(link!);
    // The link opens a page with a button: only its POST confirms the address.
    await page.getByRole("heading", { name: "Conferma il tuo indirizzo email" }).waitFor();
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Conferma l'indirizzo" }).click()]);
    await page.getByRole("heading", { name: "Indirizzo confermato" }).waitFor();

    await signIn(page, email, `/formazione/${SLUG}`);
    await Promise.all([page.waitForURL(/\/cosa-sono-i-soggetti-aggregatori$/), page.getByRole("button", { name: "Iscriviti al corso" }).click()]);

    const lessons = lessonsOf(course.structure);
    for (const [i, lesson] of lessons.entries()) {
      expect(new URL(page.url()).pathname).toBe(`/formazione/${SLUG}/${lesson.slug}`);
      expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe(lesson.title);
      if (i === 0) await expectNoAxeViolations(page);
      await Promise.all([page.waitForURL((u) => u.pathname !== `/formazione/${SLUG}/${lesson.slug}`), page.getByRole("button", { name: "Segna come completata" }).click()]);
    }
    expect(new URL(page.url()).pathname).toBe(`/formazione/${SLUG}/verifica`);

    const html = await page.content();
    for (const q of course.structure.quiz) expect(html).not.toContain(q.explanation);

    // Answers the questions drawn for this attempt, as the page shows them.
    const drawnIds = async () =>
      (await page.locator("form[data-quiz] fieldset input").evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).name.slice(2)))).filter(
        (id, i, all) => all.indexOf(id) === i,
      );
    const answer = async (right: boolean) => {
      const ids = await drawnIds();
      expect(ids).toHaveLength(course.structure.questionsPerAttempt!);
      for (const id of ids) {
        const q = course.structure.quiz.find((x) => x.id === id)!;
        for (const option of right ? q.correct : [q.options.find((o) => !q.correct.includes(o.id))!.id]) {
          await page.locator(`label[for="${q.id}-${option}"]`).click();
          expect(await page.locator(`#${q.id}-${option}`).isChecked()).toBe(true);
        }
      }
      await Promise.all([page.waitForURL(/\?tentativo=\d+$/), page.getByRole("button", { name: "Invia le risposte" }).click()]);
      return ids;
    };
    const firstDraw = await drawnIds();
    await page.reload();
    expect(await drawnIds()).toEqual(firstDraw);
    let warning = "";
    page.once("dialog", (dialog) => {
      warning = dialog.message();
      void dialog.dismiss();
    });
    await page.getByRole("button", { name: "Invia le risposte" }).click();
    expect(warning).toContain(`Non hai risposto a ${course.structure.questionsPerAttempt} domande`);
    expect(await page.textContent("main")).toContain(`ne restano ${course.structure.maxAttempts}`);
    const failedDraw = await answer(false);
    expect(failedDraw).toEqual(firstDraw);
    expect(await page.getByRole("heading", { name: "Verifica non superata" }).count()).toBe(1);
    // A failed attempt with attempts left says which answers were wrong, not the solutions.
    const body = await page.textContent("main");
    expect(body).toContain("Risposta non corretta.");
    for (const q of course.structure.quiz) expect(body).not.toContain(q.explanation);
    expect(body).not.toContain("risposta corretta");
    await expectNoAxeViolations(page);
    // Reloading the result repeats nothing: still one attempt.
    await page.reload();
    expect(await page.textContent("main")).toContain("ne restano 2");
    await answer(true);
    expect(await page.getByRole("heading", { name: "Verifica superata" }).count()).toBe(1);
    expect(await page.textContent("main")).toContain("risposta corretta");

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "scarica l'attestato in PDF" }).click()]);
    const pdfPath = await download.path();
    const { readFile } = await import("node:fs/promises");
    const doc = await getDocument({ data: new Uint8Array(await readFile(pdfPath)), standardFontDataUrl: path.join(ROOT, "node_modules/pdfjs-dist/standard_fonts/") }).promise;
    const text = (await (await doc.getPage(1)).getTextContent()).items.map((i) => ("str" in i ? i.str : "")).join(" ");
    expect(text).toContain(name);
    expect(text).toContain(course.structure.title);

    await page.goto(url("/account/formazione"));
    expect(await page.getByRole("link", { name: /Attestato/ }).count()).toBeGreaterThan(0);
    expect(await page.locator("progress").first().getAttribute("value")).toBe("100");
    await expectNoAxeViolations(page);
    await page.close();
  });

  it("confirms the certificate publicly, then shows it revoked everywhere once an admin revokes it", async () => {
    const page = await learner.newPage();
    await page.goto(url("/account/formazione"));
    const href = (await page.getByRole("link", { name: /^Attestato/ }).first().getAttribute("href"))!;
    const code = href.split("/").pop()!;
    expect(code).toMatch(/^[A-Z2-7]{24}$/);

    const anonymous = await browser.newContext();
    const visitor = await anonymous.newPage();
    await visitor.goto(url(`/attestati/verifica?codice=${code.toLowerCase()}`));
    expect(await visitor.getByRole("heading", { name: "Attestato valido" }).count()).toBe(1);
    expect(await visitor.textContent("main")).toContain(name);
    await expectNoAxeViolations(visitor);
    const badge = await (await fetch(url(`/badges/assertions/${code}.json`))).json();
    expect(badge).toMatchObject({ type: "Assertion", verification: { type: "hosted" }, recipient: { hashed: true } });
    expect(badge.revoked).toBeUndefined();
    // The Open Badges 3.0 credential verifies with nothing but the key in the issuer profile.
    const credential = await fetch(url(`/badges/v3/credentials/${code}.jwt`));
    expect(credential.headers.get("content-type")).toBe("application/vc+jwt");
    const issuer = (await (await fetch(url("/badges/v3/issuer.json"))).json()) as { id: string; verificationMethod: { id: string; publicKeyJwk: JWK }[] };
    const keys = createLocalJWKSet({ keys: issuer.verificationMethod.map((m) => ({ ...m.publicKeyJwk, kid: m.id })) });
    const { payload } = await jwtVerify(await credential.text(), keys, { issuer: issuer.id });
    expect(payload).toMatchObject({ type: ["VerifiableCredential", "OpenBadgeCredential"], credentialSubject: { achievement: { name: course.structure.title } } });

    const boss = await createUserWithRole("admin");
    const adminPage = await admin.newPage();
    await signIn(adminPage, boss.email, "/gestione/attestati");
    await adminPage.getByLabel("Motivo della revoca").fill("Attestato rilasciato per errore durante la prova");
    await Promise.all([adminPage.waitForURL(/revocato=/), adminPage.getByRole("button", { name: `Revoca l'attestato ${code}` }).click()]);
    expect(await adminPage.getByRole("status").textContent()).toContain(code);

    await visitor.goto(url(`/attestati/${code}`));
    expect(await visitor.getByRole("heading", { name: "Attestato revocato" }).count()).toBe(1);
    expect(await visitor.textContent("main")).toContain("rilasciato per errore");
    const revoked = await (await fetch(url(`/badges/assertions/${code}.json`))).json();
    expect(revoked).toMatchObject({ revoked: true, revocationReason: "Attestato rilasciato per errore durante la prova" });
    expect((await fetch(url(`/attestati/${code}.pdf`))).status).toBe(410);
    expect((await fetch(url(`/badges/v3/credentials/${code}.jwt`))).status).toBe(410);
    const badgeClass = await (await fetch(revoked.badge)).json();
    expect(badgeClass).toMatchObject({ type: "BadgeClass", issuer: expect.stringMatching(/\/badges\/issuer\.json$/) });
    expect((await fetch(badgeClass.image)).headers.get("content-type")).toContain("image/svg+xml");
    expect(await (await fetch(badgeClass.issuer)).json()).toMatchObject({ type: "Profile", name: "Aggrega" });

    await adminPage.goto(url("/gestione/formazione"));
    expect(await adminPage.getByRole("row", { name: /Comune di Prova/ }).textContent()).toMatch(/Comune di Prova\s*1\s*0\s*1\s*100%/);
    const csv = await adminPage.request.get(url("/gestione/formazione.csv?vista=corsi"));
    expect(await csv.text()).toContain("Soggetti aggregatori e convenzioni per le amministrazioni,1,0,1,100");
    expect((await fetch(url("/attestati/ZZZZZZZZZZZZZZZZZZZZZZZZ"))).status).toBe(404);
    expect((await adminPage.request.get(url("/gestione/formazione.csv?vista=tutto"))).status()).toBe(400);
    await anonymous.close();
    await adminPage.close();
    await page.close();
  });

  it("answers bad addresses and input with Italian 4xx pages, never a 500", async () => {
    for (const [path, status] of [
      ["/formazione/corso-inesistente", 404],
      ["/formazione/Non%20Valido!", 404],
      [`/formazione/${SLUG}/lezione-inesistente`, 404],
      ["/badges/classes/corso-inesistente.json", 404],
      ["/badges/assertions/non-un-codice.json", 404],
      ["/attestati/non-un-codice.pdf", 404],
      ["/badges/v3/credentials/non-un-codice.jwt", 404],
    ] as const) {
      expect({ path, status: (await fetch(url(path))).status }).toEqual({ path, status });
    }
    const badCode = await fetch(url("/attestati/verifica?codice=%25%25%25"));
    expect(badCode.status).toBe(400);
    expect(await badCode.text()).toContain("Il codice non è valido");
    const anonymousPost = await fetch(url(`/formazione/${SLUG}/cosa-sono-i-soggetti-aggregatori`), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: site.baseUrl },
      body: "",
      redirect: "manual",
    });
    expect(anonymousPost.status).toBe(401);
  });
});
