/**
 * The form idiom over HTTP against the built site: Post/Redirect/Get, one-time
 * tokens on create forms, over-long values that keep the rest of the form,
 * shared field rules (http(s)-only links, control characters), and the
 * preference centre storing the convention it offers to follow.
 */
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accessibilityReports, aggregators, announcements, conventions, conventionWatches, pressReleases, quizAttempts, subscribers } from "@db/schema";
import { answerField } from "@/learning";
import { loadCourse } from "@/learning/content";
import { lessonsOf } from "@/learning/courses";
import type { Connection } from "@/lib/db";
import { signedInAs } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { ROOT, useSiteDatabase } from "../helpers/db";
import { startSite, type RunningSite } from "../helpers/server";

const TOKEN = /name="_modulo" value="([\w-]+)"/;

describe("the form idiom", () => {
  let site: RunningSite;
  let conn: Connection;
  let editor: string;

  const get = (path: string, cookie?: string) => fetch(new URL(path, site.baseUrl), { redirect: "manual", headers: cookie ? { Cookie: cookie } : {} });
  const tokenOf = async (path: string) => {
    const html = await (await get(path, editor)).text();
    return TOKEN.exec(html)?.[1];
  };

  beforeAll(async () => {
    site = await startSite();
    conn = await useSiteDatabase(site);
    ({ cookie: editor } = await signedInAs(site, "editor"));
  }, 240_000);
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  it("redirects a successful accessibility report (303) to a result page that files nothing when reloaded", async () => {
    const response = await postForm(site.baseUrl, "/accessibilita/segnala", {
      email: "giulia.bianchi@comune.example.it",
      description: "Il filtro per regione non si può usare con la sola tastiera.",
    });
    expect(response.status).toBe(303);
    const location = response.headers.get("location")!;
    expect(location).toMatch(/^\/accessibilita\/segnala\?esito=ricevuta&numero=\d+/);
    for (let i = 0; i < 2; i++) {
      const result = await get(location);
      expect(result.status).toBe(200);
      expect(await result.text()).toContain("La tua segnalazione è stata registrata con il numero");
    }
    const [row] = await conn.db.select({ n: count() }).from(accessibilityReports);
    expect(row!.n).toBe(1);
  });

  it("keeps every other typed value when one field is too long", async () => {
    const response = await postForm(site.baseUrl, "/accessibilita/segnala", {
      name: "Giulia Bianchi",
      email: "giulia.bianchi@comune.example.it",
      pageUrl: "/convenzioni",
      description: "x".repeat(20_001),
    });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain("Il testo è troppo lungo");
    expect(html).toContain('value="Giulia Bianchi"');
    expect(html).toContain('value="giulia.bianchi@comune.example.it"');
    expect(html).toContain('value="/convenzioni"');
  });

  it("publishes a press release once when «Pubblica subito» is sent twice with the same form", async () => {
    const token = await tokenOf("/gestione/comunicati/nuovo");
    expect(token).toBeTruthy();
    const fields = new URLSearchParams({ _modulo: token!, kind: "press_release", title: "Doppio invio del comunicato", body: "Testo del comunicato.", status: "published", azione: "salva" });
    const first = await postForm(site.baseUrl, "/gestione/comunicati/nuovo", fields, { Cookie: editor });
    const second = await postForm(site.baseUrl, "/gestione/comunicati/nuovo", fields, { Cookie: editor });
    expect(first.status).toBe(303);
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(first.headers.get("location")).toMatch(/^\/gestione\/comunicati\/\d+\?salvato$/);
    const rows = await conn.db.select().from(pressReleases).where(eq(pressReleases.title, "Doppio invio del comunicato"));
    expect(rows).toHaveLength(1);
    const [sent] = await conn.db.select({ n: count() }).from(announcements).where(eq(announcements.title, "Doppio invio del comunicato"));
    expect(sent!.n).toBe(1);
    // A fresh form gets a fresh token and creates a new item.
    expect(await tokenOf("/gestione/comunicati/nuovo")).not.toBe(token);
  });

  it("creates a catalog entry once per form, and a refused post leaves the token usable", async () => {
    const token = await tokenOf("/gestione/catalogo/soggetti/nuovo");
    const fields = { _modulo: token!, name: "Centrale di prova", id: "centrale-prova", shortName: "Prova", kind: "regional", region: "Lazio", territory: "Regione Lazio" };
    const refused = await postForm(site.baseUrl, "/gestione/catalogo/soggetti/nuovo", { ...fields, website: "javascript:alert(1)" }, { Cookie: editor });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain(`value="${token}"`);
    const first = await postForm(site.baseUrl, "/gestione/catalogo/soggetti/nuovo", fields, { Cookie: editor });
    const second = await postForm(site.baseUrl, "/gestione/catalogo/soggetti/nuovo", fields, { Cookie: editor });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/gestione/catalogo/soggetti/centrale-prova?salvato");
    expect(second.status).toBe(303);
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    const [row] = await conn.db.select({ n: count() }).from(aggregators).where(eq(aggregators.id, "centrale-prova"));
    expect(row!.n).toBe(1);
  });

  it("accepts only http(s) addresses for ordering platforms and websites", async () => {
    for (const website of ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.it/"]) {
      const response = await postForm(
        site.baseUrl,
        "/gestione/catalogo/soggetti/nuovo",
        { name: "Centrale con sito", id: "centrale-sito", shortName: "Sito", kind: "regional", region: "Lazio", territory: "Lazio", website },
        { Cookie: editor },
      );
      expect(response.status, website).toBe(422);
      expect(await response.text()).toContain('href="#campo-website"');
    }
    const [c] = await conn.db.select().from(conventions).limit(1);
    const response = await postForm(
      site.baseUrl,
      `/gestione/catalogo/convenzioni/${c!.id}`,
      { title: c!.title, slug: c!.slug, aggregator: c!.aggregatorId, category: c!.categoryId, instrument: c!.instrumentType, status: c!.status, orderingUrl: "javascript:alert(document.cookie)" },
      { Cookie: editor },
    );
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('href="#campo-orderingUrl"');
  });

  it("removes control characters from typed text", async () => {
    const response = await postForm(
      site.baseUrl,
      "/gestione/catalogo/soggetti/nuovo",
      { name: "Centrale\u0000 di\u0007 controllo\u007f", id: "centrale-controllo", shortName: "Contr\u001bollo", kind: "regional", region: "Lazio", territory: "Lazio", description: "Riga uno\r\nRiga due\rfine\u0008" },
      { Cookie: editor },
    );
    expect(response.status).toBe(303);
    const [row] = await conn.db.select().from(aggregators).where(eq(aggregators.id, "centrale-controllo"));
    expect(row).toMatchObject({ name: "Centrale di controllo", shortName: "Controllo", description: "Riga uno\nRiga duefine" });
  });

  it("records one quiz attempt per submission: the result page can be reloaded without using another attempt", async () => {
    const slug = "aggregatori-e-convenzioni";
    const course = await loadCourse(ROOT, slug);
    const { cookie } = await signedInAs(site, "learner");
    expect((await postForm(site.baseUrl, `/formazione/${slug}`, {}, { Cookie: cookie })).status).toBe(303);
    for (const lesson of lessonsOf(course.structure)) {
      expect((await postForm(site.baseUrl, `/formazione/${slug}/${lesson.slug}`, {}, { Cookie: cookie })).status).toBe(303);
    }
    // The page draws the attempt's questions; the form carries the draw's token and one field per drawn question.
    const quizHtml = await (await get(`/formazione/${slug}/verifica`, cookie)).text();
    const drawToken = /name="prova" value="([^"]+)"/.exec(quizHtml)?.[1];
    expect(drawToken).toBeTruthy();
    const wrong = new URLSearchParams({ prova: drawToken! });
    for (const q of course.structure.quiz) {
      if (quizHtml.includes(`name="${answerField(q.id)}"`)) wrong.append(answerField(q.id), q.options.find((o) => !q.correct.includes(o.id))!.id);
    }
    const submitted = await postForm(site.baseUrl, `/formazione/${slug}/verifica`, wrong, { Cookie: cookie });
    const attempts = () => conn.db.select({ n: count() }).from(quizAttempts).where(eq(quizAttempts.courseSlug, slug));
    expect((await attempts())[0]!.n).toBe(1);
    expect(submitted.status).toBe(303);
    const location = submitted.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/formazione/${slug}/verifica\\?tentativo=\\d+$`));
    for (let i = 0; i < 2; i++) {
      const html = await (await get(location, cookie)).text();
      expect(html).toContain("Verifica non superata");
      expect(html).toContain("Le tue risposte");
    }
    expect((await attempts())[0]!.n).toBe(1);
    // Someone else's attempt is not shown.
    const { cookie: other } = await signedInAs(site, "learner");
    expect(await (await get(location, other)).text()).not.toContain("Verifica non superata");
  });

  it("stores the convention a subscriber follows from a convention page through the emailed preference link", async () => {
    const email = "fornitore.scadenze@impresa.example.it";
    await conn.db.insert(subscribers).values({
      email,
      status: "confirmed",
      frequency: "immediate",
      interests: { kinds: ["convention"], categories: [], aggregators: [], regions: [] },
      consentAt: new Date(),
      consentText: "test",
      confirmedAt: new Date(),
    });
    const [c] = await conn.db.select().from(conventions).where(eq(conventions.status, "active")).limit(1);
    const page = await (await get(`/convenzioni/${c!.slug}`)).text();
    const follow = /href="(\/avvisi\/iscriviti\?convenzione=\d+)"/.exec(page)![1]!;
    await postForm(site.baseUrl, follow, { email, frequency: "immediate", consent: "si" });
    // The mail leaves through the transactional-mail queue a moment after the answer.
    const mail = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).find((m) => m.to && "text" in m.to && m.to.text === email);
        if (!found) throw new Error(`no mail for ${email} yet`);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    const link = /https?:\/\/\S+\/avvisi\/preferenze\?t=[\w.-]+&convenzione=\d+/.exec(mail!.text!)![0];
    const path = new URL(link).pathname + new URL(link).search;
    const offer = await (await get(path)).text();
    expect(offer).toContain("Salvando seguirai");
    const saved = await postForm(site.baseUrl, path, { kinds: "convention", frequency: "immediate", convenzione: String(c!.id) });
    const [subscriber] = await conn.db.select().from(subscribers).where(eq(subscribers.email, email));
    const watches = await conn.db.select().from(conventionWatches).where(eq(conventionWatches.subscriberId, subscriber!.id));
    expect(watches.map((w) => w.conventionId)).toEqual([c!.id]);
    expect(saved.status).toBe(303);
    const result = await (await get(saved.headers.get("location")!)).text();
    expect(result).toContain("Preferenze salvate");
  });
});
