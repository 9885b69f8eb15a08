/**
 * SCORM packages end to end in Chromium: an admin uploads the two sample
 * packages (../shared/fixtures/scorm), a learner launches them, answers,
 * leaves in the middle (suspend), comes back (the location and suspend data
 * return) and completes; the CMI data is checked in the database at each
 * step. The samples' pages do not call the runtime themselves (see the
 * fixtures' README), so the test plays the SCO: it calls the API from
 * inside the package's frame, exactly as a SCO's script would
 * (window.parent.API / window.parent.API_1484_11).
 */
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import AxeBuilder from "@axe-core/playwright";
import type { BrowserContext, Frame, Page } from "playwright-core";
import { certificates, enrolments, lessonCompletions, scormPackages, scormRuntime } from "@db/schema";
import { createUserWithRole, signInOverHttp } from "../helpers/auth";
import { expect, expectNoAxeViolations, test } from "../helpers/e2e";
import { rawRequest } from "../helpers/raw-http";
import { buildZip, SCORM_FIXTURES, scormFixture, unzipEntries } from "../helpers/zip";

const SHOTS = process.env.SCORM_SCREENSHOTS_DIR ?? path.join(os.tmpdir(), "aggrega-scorm-screenshots");

async function signedInContext(newContext: (o?: object) => Promise<BrowserContext>, baseUrl: string, email: string, password: string, viewport = { width: 1366, height: 900 }) {
  const cookie = await signInOverHttp(baseUrl, email, password);
  const [name, value] = cookie.split("=") as [string, string];
  const context = await newContext({ viewport });
  await context.addCookies([{ name, value, url: baseUrl }]);
  return { context, cookie };
}

/** The package's frame once its page has loaded. */
async function packageFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector("#scorm-frame[src]");
  const frame = (await handle.contentFrame())!;
  await frame.waitForLoadState("load");
  return frame;
}

async function runtimeRow(siteDb: { db: import("@/lib/db").Database }, userId: string, course: string, item: string) {
  const [row] = await siteDb.db
    .select()
    .from(scormRuntime)
    .where(and(eq(scormRuntime.userId, userId), eq(scormRuntime.courseSlug, course), eq(scormRuntime.itemSlug, item)));
  return row!;
}

test("an admin uploads both sample packages, and a hostile one is refused on the page", async ({ site, siteDb, newContext, url }) => {
  const admin = await createUserWithRole("admin");
  const { context } = await signedInContext(newContext, site.baseUrl, admin.email, admin.password);
  const page = await context.newPage();
  await page.goto(url("/gestione/formazione/scorm"));
  await expectNoAxeViolations(page);

  // A zip-slip archive: the message is on the field, nothing is stored.
  const sample = await unzipEntries(await scormFixture("scorm2004.zip"));
  await page.locator("#campo-pacchetto").setInputFiles({ name: "ostile.zip", mimeType: "application/zip", buffer: buildZip([...sample.map((f) => ({ name: f.name, data: f.data })), { name: "../../fuori.html", data: "x" }]) });
  await page.locator("#campo-hours").fill("1");
  const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Importa il pacchetto" }).click()]);
  expect(refused.status()).toBe(422);
  await expect.poll(() => page.locator("#campo-pacchetto-errore").textContent()).toBe("Pacchetto rifiutato: il percorso «../../fuori.html» esce dal pacchetto con «..».");
  expect(await siteDb.db.select().from(scormPackages)).toEqual([]);
  await expectNoAxeViolations(page);

  for (const [file, slug, hours] of [["scorm12.zip", "golf-12", "2"], ["scorm2004.zip", "golf-2004", "1"]] as const) {
    await page.goto(url("/gestione/formazione/scorm"));
    await page.locator("#campo-pacchetto").setInputFiles(path.join(SCORM_FIXTURES, file));
    await page.locator("#campo-hours").fill(hours);
    await page.locator("#campo-slug").fill(slug);
    await Promise.all([page.waitForURL((u) => u.searchParams.get("importato") === slug), page.getByRole("button", { name: "Importa il pacchetto" }).click()]);
    expect(await page.getByRole("status").textContent()).toMatch(/^Pacchetto «Golf Explained - .+» importato: \d+ attività e \d+ file\. Apri il corso\.$/);
  }
  const packages = await siteDb.db.select({ courseSlug: scormPackages.courseSlug, version: scormPackages.version }).from(scormPackages);
  expect(packages.sort((a, b) => a.courseSlug.localeCompare(b.courseSlug))).toEqual([
    { courseSlug: "golf-12", version: "1.2" },
    { courseSlug: "golf-2004", version: "2004" },
  ]);
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, "gestione-1366.png"), fullPage: true });
});

test("SCORM 2004: launch, answer, suspend, resume and complete, with the CMI data in the database and the certificate", async ({ site, siteDb, newContext, url }) => {
  const learner = await createUserWithRole("learner", { name: "Ștefan Dumitrașcu" });
  const { context } = await signedInContext(newContext, site.baseUrl, learner.email, learner.password);
  const page = await context.newPage();
  await page.goto(url("/formazione/golf-2004"));
  await expectNoAxeViolations(page);
  expect(await page.getByText("Verifica finale").count()).toBe(0);
  await Promise.all([page.waitForURL((u) => u.pathname === "/formazione/golf-2004/scorm/item-1"), page.getByRole("button", { name: "Iscriviti al corso" }).click()]);

  // First launch: a new attempt; the learner answers one question and leaves halfway through.
  let frame = await packageFrame(page);
  expect(await frame.locator("h1").textContent()).toBe("Not implemented yet");
  // The player page itself is checked; the package's own pages are the author's (framed, left out).
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).exclude("#scorm-frame").analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  const first = await frame.evaluate(() => {
    const api = (window.parent as unknown as { API_1484_11: Record<string, (...a: string[]) => string> }).API_1484_11;
    const out: Record<string, string> = { init: api.Initialize!("") };
    out.entry = api.GetValue!("cmi.entry");
    out.learner = api.GetValue!("cmi.learner_name");
    api.SetValue!("cmi.location", "pagina-3");
    api.SetValue!("cmi.suspend_data", "risposte=B;pagina=3");
    api.SetValue!("cmi.interactions.0.id", "domanda-par");
    api.SetValue!("cmi.interactions.0.type", "choice");
    api.SetValue!("cmi.interactions.0.learner_response", "b");
    api.SetValue!("cmi.interactions.0.result", "correct");
    api.SetValue!("cmi.score.scaled", "0.5");
    api.SetValue!("cmi.score.raw", "5");
    api.SetValue!("cmi.score.min", "0");
    api.SetValue!("cmi.score.max", "10");
    api.SetValue!("cmi.completion_status", "incomplete");
    api.SetValue!("cmi.session_time", "PT1M30S");
    api.SetValue!("cmi.exit", "suspend");
    out.commit = api.Commit!("");
    out.terminate = api.Terminate!("");
    return out;
  });
  expect(first).toEqual({ init: "true", entry: "ab-initio", learner: "Ștefan Dumitrașcu", commit: "true", terminate: "true" });
  await expect.poll(() => page.locator("#scorm-stato").textContent()).toMatch(/^Progressi salvati alle \d\d:\d\d\.$/);
  let row = await runtimeRow(siteDb, learner.id, "golf-2004", "item-1");
  expect(row).toMatchObject({
    completionStatus: "incomplete",
    successStatus: "unknown",
    location: "pagina-3",
    suspendData: "risposte=B;pagina=3",
    exit: "suspend",
    scoreScaled: 0.5,
    scoreRaw: 5,
    scoreMax: 10,
    sessionTimeCs: 9000,
    totalTimeCs: 9000,
  });
  expect(row.interactions).toEqual([expect.objectContaining({ id: "domanda-par", type: "choice", learner_response: "b", result: "correct" })]);
  expect(row.commits).toBeGreaterThanOrEqual(1);
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, "player-2004-1366.png"), fullPage: true });

  // Away to the course page: nothing completed yet.
  await page.goto(url("/formazione/golf-2004"));
  expect(await page.locator("label[for=avanzamento]").textContent()).toMatch(/Avanzamento: 0%/);
  await page.screenshot({ path: path.join(SHOTS, "corso-2004-1366.png"), fullPage: true });
  await Promise.all([page.waitForURL((u) => u.pathname === "/formazione/golf-2004/scorm/item-1"), page.getByRole("link", { name: "Riprendi da dove eri rimasto" }).click()]);

  // Second launch: the saved location, suspend data and time come back; the learner finishes and passes.
  frame = await packageFrame(page);
  expect(await page.locator("#scorm-stato").textContent()).toBe("Riprendi l'attività: i tuoi progressi sono salvati.");
  const second = await frame.evaluate(() => {
    const api = (window.parent as unknown as { API_1484_11: Record<string, (...a: string[]) => string> }).API_1484_11;
    const out: Record<string, string> = { init: api.Initialize!("") };
    for (const key of ["cmi.entry", "cmi.location", "cmi.suspend_data", "cmi.total_time", "cmi.completion_status", "cmi.score.scaled", "cmi.interactions._count", "cmi.interactions.0.learner_response"]) {
      out[key] = api.GetValue!(key);
    }
    api.SetValue!("cmi.interactions.1.id", "domanda-handicap");
    api.SetValue!("cmi.interactions.1.type", "true-false");
    api.SetValue!("cmi.interactions.1.learner_response", "true");
    api.SetValue!("cmi.interactions.1.result", "correct");
    api.SetValue!("cmi.score.scaled", "0.9");
    api.SetValue!("cmi.completion_status", "completed");
    api.SetValue!("cmi.success_status", "passed");
    api.SetValue!("cmi.session_time", "PT2M");
    api.SetValue!("cmi.exit", "normal");
    out.commit = api.Commit!("");
    out.terminate = api.Terminate!("");
    return out;
  });
  expect(second).toEqual({
    init: "true",
    "cmi.entry": "resume",
    "cmi.location": "pagina-3",
    "cmi.suspend_data": "risposte=B;pagina=3",
    "cmi.total_time": expect.stringMatching(/^PT(0H)?1M30(\.0+)?S$/),
    "cmi.completion_status": "incomplete",
    "cmi.score.scaled": "0.5",
    "cmi.interactions._count": "1",
    "cmi.interactions.0.learner_response": "b",
    commit: "true",
    terminate: "true",
  });
  await expect.poll(() => page.locator("#scorm-stato").textContent()).toMatch(/^Attività completata: progressi salvati alle/);
  row = await runtimeRow(siteDb, learner.id, "golf-2004", "item-1");
  expect(row).toMatchObject({ completionStatus: "completed", successStatus: "passed", scoreScaled: 0.9, exit: "normal", totalTimeCs: 21000 });
  expect(row.interactions.map((i) => i.id)).toEqual(["domanda-par", "domanda-handicap"]);
  expect(await siteDb.db.select().from(lessonCompletions).where(and(eq(lessonCompletions.userId, learner.id), eq(lessonCompletions.courseSlug, "golf-2004")))).toHaveLength(1);
  const [certificate] = await siteDb.db.select().from(certificates).where(and(eq(certificates.userId, learner.id), eq(certificates.courseSlug, "golf-2004")));
  expect(certificate).toMatchObject({ holderName: "Ștefan Dumitrașcu", score: 90, hours: 1 });
  const [enrolment] = await siteDb.db.select().from(enrolments).where(and(eq(enrolments.userId, learner.id), eq(enrolments.courseSlug, "golf-2004")));
  expect(enrolment?.completedAt).not.toBeNull();

  await page.goto(url("/formazione/golf-2004"));
  expect(await page.getByRole("link", { name: "Vedi il tuo attestato" }).getAttribute("href")).toBe(`/attestati/${certificate!.code}`);
  await expectNoAxeViolations(page);

  // The same pages on a phone.
  const phone = await signedInContext(newContext, site.baseUrl, learner.email, learner.password, { width: 320, height: 640 });
  const small = await phone.context.newPage();
  await small.goto(url("/formazione/golf-2004"));
  await small.screenshot({ path: path.join(SHOTS, "corso-2004-320.png"), fullPage: true });
  await small.goto(url("/formazione/golf-2004/scorm/item-1"));
  await packageFrame(small);
  expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await small.screenshot({ path: path.join(SHOTS, "player-2004-320.png"), fullPage: true });
});

test("SCORM 1.2: an asset counts when launched, the runtime suspends and resumes, and every item completes the course", async ({ site, siteDb, newContext, url }) => {
  const learner = await createUserWithRole("learner", { name: "Łucja Żółć" });
  const { context } = await signedInContext(newContext, site.baseUrl, learner.email, learner.password);
  const page = await context.newPage();
  await page.goto(url("/formazione/golf-12"));
  await expectNoAxeViolations(page);
  await Promise.all([page.waitForURL((u) => u.pathname === "/formazione/golf-12/scorm/playing-playing"), page.getByRole("button", { name: "Iscriviti al corso" }).click()]);
  let frame = await packageFrame(page);
  expect(await frame.locator("h1").first().textContent()).toMatch(/Play/i);
  const first = await frame.evaluate(() => {
    const api = (window.parent as unknown as { API: Record<string, (...a: string[]) => string> }).API;
    const out: Record<string, string> = { init: api.LMSInitialize!("") };
    out.entry = api.LMSGetValue!("cmi.core.entry");
    out.name = api.LMSGetValue!("cmi.core.student_name");
    api.LMSSetValue!("cmi.core.lesson_location", "paragrafo-2");
    api.LMSSetValue!("cmi.suspend_data", "visti=1,2");
    api.LMSSetValue!("cmi.core.score.raw", "70");
    api.LMSSetValue!("cmi.interactions.0.id", "buche");
    api.LMSSetValue!("cmi.interactions.0.type", "numeric");
    api.LMSSetValue!("cmi.interactions.0.student_response", "18");
    api.LMSSetValue!("cmi.interactions.0.result", "correct");
    api.LMSSetValue!("cmi.core.session_time", "0000:01:00.00");
    api.LMSSetValue!("cmi.core.exit", "suspend");
    out.commit = api.LMSCommit!("");
    out.finish = api.LMSFinish!("");
    return out;
  });
  expect(first).toEqual({ init: "true", entry: "ab-initio", name: "Łucja Żółć", commit: "true", finish: "true" });
  await expect.poll(async () => (await runtimeRow(siteDb, learner.id, "golf-12", "playing-playing")).commits).toBeGreaterThanOrEqual(1);
  const row = await runtimeRow(siteDb, learner.id, "golf-12", "playing-playing");
  // The item is an asset: completed at launch, whatever the page later says about itself.
  expect(row).toMatchObject({ completionStatus: "completed", location: "paragrafo-2", suspendData: "visti=1,2", exit: "suspend", scoreRaw: 70, totalTimeCs: 6000 });
  expect(row.interactions).toEqual([expect.objectContaining({ id: "buche", type: "numeric", student_response: "18", result: "correct" })]);
  await page.screenshot({ path: path.join(SHOTS, "player-12-1366.png"), fullPage: true });

  await page.goto(url("/formazione/golf-12"));
  expect(await page.locator("label[for=avanzamento]").textContent()).toMatch(/Avanzamento: 5% \(1 di 18/);
  await page.screenshot({ path: path.join(SHOTS, "corso-12-1366.png"), fullPage: true });
  await page.goto(url("/formazione/golf-12/scorm/playing-playing"));
  frame = await packageFrame(page);
  const resumed = await frame.evaluate(() => {
    const api = (window.parent as unknown as { API: Record<string, (...a: string[]) => string> }).API;
    const out: Record<string, string> = { init: api.LMSInitialize!("") };
    for (const key of ["cmi.core.entry", "cmi.core.lesson_location", "cmi.suspend_data", "cmi.core.total_time", "cmi.core.score.raw"]) out[key] = api.LMSGetValue!(key);
    api.LMSSetValue!("cmi.core.exit", "");
    out.finish = api.LMSFinish!("");
    return out;
  });
  expect(resumed).toEqual({
    init: "true",
    "cmi.core.entry": "resume",
    "cmi.core.lesson_location": "paragrafo-2",
    "cmi.suspend_data": "visti=1,2",
    "cmi.core.total_time": expect.stringMatching(/^0{2,4}:01:00(\.0+)?$/),
    "cmi.core.score.raw": "70",
    finish: "true",
  });

  // Every other item is a page of the package: launching each completes it, and the last one the course.
  const [pkg] = await siteDb.db.select().from(scormPackages).where(eq(scormPackages.courseSlug, "golf-12"));
  for (const item of pkg!.items.slice(1)) {
    await page.goto(url(`/formazione/golf-12/scorm/${item.slug}`));
    await packageFrame(page);
  }
  const [certificate] = await siteDb.db.select().from(certificates).where(and(eq(certificates.userId, learner.id), eq(certificates.courseSlug, "golf-12")));
  expect(certificate).toMatchObject({ holderName: "Łucja Żółć", hours: 2, score: 70 });
  await page.goto(url("/formazione/golf-12"));
  expect(await page.locator("label[for=avanzamento]").textContent()).toMatch(/Avanzamento: 100%/);
  expect(await page.getByRole("link", { name: "Vedi il tuo attestato" }).count()).toBe(1);
});

test("the commit endpoint and the package files refuse what they must", async ({ site, siteDb, newContext, url }) => {
  const learner = await createUserWithRole("learner");
  const other = await createUserWithRole("learner");
  const { context, cookie } = await signedInContext(newContext, site.baseUrl, learner.email, learner.password);
  const otherCookie = await signInOverHttp(site.baseUrl, other.email, other.password);
  const page = await context.newPage();
  await page.goto(url("/formazione/golf-2004"));
  await Promise.all([page.waitForURL(/\/scorm\/item-1$/), page.getByRole("button", { name: "Iscriviti al corso" }).click()]);
  await packageFrame(page);
  const commitUrl = (await page.locator("#scorm-player").getAttribute("data-commit-url"))!;
  const contentSrc = (await page.locator("#scorm-player").getAttribute("data-src"))!;
  const packageId = contentSrc.split("/")[2]!;

  // The package files get their own policy (the player page keeps the site's, checked at the end: opening it is a new launch).
  const launchPage = await fetch(url(contentSrc), { headers: { cookie } });
  expect(launchPage.status).toBe(200);
  expect(launchPage.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(launchPage.headers.get("content-security-policy")).toMatch(/connect-src 'none'.*form-action 'none'.*frame-ancestors 'self'/);
  expect(launchPage.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  expect(launchPage.headers.get("x-content-type-options")).toBe("nosniff");
  expect((await fetch(url(`/scorm-content/${packageId}/imsss_v1p0.xsd`), { headers: { cookie } })).headers.get("content-type")).toBe("application/xml; charset=utf-8");
  expect((await fetch(url(contentSrc))).status).toBe(403);
  expect((await fetch(url(contentSrc), { headers: { cookie: otherCookie } })).status).toBe(403);
  for (const target of [
    `/scorm-content/${packageId}/..%2f..%2f..%2fetc%2fpasswd`,
    `/scorm-content/${packageId}/shared%5c..%5c..%5c..%5c..%5cetc%5cpasswd`,
    `/scorm-content/${packageId}/%2fetc%2fpasswd`,
    `/scorm-content/${packageId}/../../../../etc/passwd`,
    `/scorm-content/${packageId}/shared/`,
    `/scorm-content/${packageId}/shared`,
  ]) {
    const reply = await rawRequest(site.baseUrl, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect({ target, status: reply.status, passwd: reply.body.includes("root:") }).toEqual({ target, status: 404, passwd: false });
  }

  const post = (body: string, headers: Record<string, string>) => fetch(url(commitUrl), { method: "POST", body, headers });
  const good = { "Content-Type": "application/json", Origin: site.baseUrl, cookie };
  const body = JSON.stringify({ "cmi.location": "x" });
  expect((await post(body, { ...good, Origin: "https://altro.example" })).status).toBe(403);
  const { Origin: _drop, ...noOrigin } = good;
  expect((await post(body, noOrigin)).status).toBe(403);
  expect((await post(body, { ...good, cookie: "" })).status).toBe(401);
  const typeRefused = await post(body, { ...good, "Content-Type": "text/plain" });
  expect(typeRefused.status).toBe(415);
  expect(await typeRefused.json()).toEqual({ result: false, errorCode: 101, message: "Salvataggio rifiutato: i dati devono essere in formato JSON." });
  expect((await post(JSON.stringify({ "cmi.suspend_data": "x".repeat(600 * 1024) }), good)).status).toBe(413);
  expect((await post("{non json", good)).status).toBe(400);
  expect((await post(JSON.stringify({ "cmi.location": { a: 1 } }), good)).status).toBe(400);
  // Someone else's launch token, with their own session: refused, nothing written.
  const stolen = await post(body, { ...good, cookie: otherCookie });
  expect(stolen.status).toBe(403);
  expect((await runtimeRow(siteDb, learner.id, "golf-2004", "item-1")).location).toBe("");
  const accepted = await post(JSON.stringify({ "cmi.location": "p1", "cmi.suspend_data": "s" }), good);
  expect(await accepted.json()).toMatchObject({ result: true, errorCode: 0, completed: false });
  expect(await runtimeRow(siteDb, learner.id, "golf-2004", "item-1")).toMatchObject({ location: "p1", suspendData: "s" });
  // A newer launch (another tab) makes this page's token stale.
  await (await context.newPage()).goto(url("/formazione/golf-2004/scorm/item-1"));
  const stale = await post(body, good);
  expect(stale.status).toBe(403);
  expect((await stale.json()).message).toBe("Questa sessione dell'attività non è più valida: riapri l'attività dalla pagina del corso.");
  const player = await fetch(url("/formazione/golf-2004/scorm/item-1"), { headers: { cookie } });
  expect(player.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(player.headers.get("x-frame-options")).toBe("DENY");
  // A learner no longer enrolled (the enrolment removed while the page was open) cannot commit.
  const fresh = (await player.text()).match(/data-commit-url="([^"]+)"/)![1]!;
  await siteDb.db.delete(enrolments).where(and(eq(enrolments.userId, learner.id), eq(enrolments.courseSlug, "golf-2004")));
  const unenrolled = await fetch(url(fresh), { method: "POST", body, headers: good });
  expect(unenrolled.status).toBe(403);
  expect((await unenrolled.json()).message).toBe("La tua iscrizione a questo corso non è più attiva: iscriviti di nuovo dalla pagina del corso.");
  expect((await fetch(url(contentSrc), { headers: { cookie } })).status).toBe(403);
});
