import { describe } from "vitest";
import { eq } from "drizzle-orm";
import { announcements } from "@db/schema";
import { createUserWithRole } from "../helpers/auth";
import { expect, expectNoAxeViolations, test } from "../helpers/e2e";

describe("the catalog in a browser", () => {
  test("filters the catalog with the form, and the URL carries the search", async ({ site, context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni"));
    await page.getByLabel("Categoria").selectOption("pulizia-uffici");
    await page.getByLabel("Regione").selectOption("Lombardia");
    await page.getByRole("button", { name: "Cerca" }).click();
    await page.waitForURL(/categoria=pulizia-uffici/);
    expect(new URL(page.url()).searchParams.get("regione")).toBe("Lombardia");
    const titles = await page.locator(".convention-card h2").allTextContents();
    expect(titles.length).toBeGreaterThan(1);
    expect(titles).toContain("Servizi di pulizia uffici a ridotto impatto ambientale e prestazioni accessorie");
    for (const card of await page.locator(".convention-card").allTextContents()) expect(card).toContain("Pulizia di uffici a ridotto impatto ambientale");
    const alerts = page.getByRole("link", { name: "Ricevi avvisi per questa ricerca" }).first();
    const ricerca = new URL((await alerts.getAttribute("href"))!, site.baseUrl).searchParams.get("ricerca")!;
    expect(new URLSearchParams(ricerca).get("categoria")).toBe("pulizia-uffici");
    expect(await page.locator('link[rel="alternate"][href="/feed/categoria/pulizia-uffici.xml"]').count()).toBe(1);
    await page.close();
  });

  test("searches with partial, unaccented words and opens a convention", async ({ context, url }) => {
    const page = await context.newPage();
    await page.goto(url("/convenzioni"));
    await page.getByLabel("Cerca", { exact: true }).fill("vigil armat");
    await page.getByRole("button", { name: "Cerca" }).click();
    await page.waitForURL(/q=vigil/);
    await page.getByRole("link", { name: "Servizio di vigilanza armata" }).click();
    await page.waitForURL(/\/convenzioni\/vigilanza-armata-cm-milano$/);
    expect(await page.textContent("h1")).toBe("Servizio di vigilanza armata");
    expect(await page.getByRole("heading", { name: "Non è ancora possibile acquistare" }).count()).toBe(1);
    expect(await page.getByRole("table").textContent()).toContain("Città metropolitana di Milano");
    const watch = await page.getByRole("link", { name: "Avvisami prima della scadenza" }).getAttribute("href");
    expect(watch).toMatch(/^\/avvisi\/iscriviti\?convenzione=\d+$/);
    await page.close();
  });

  test("answers bad query strings with a normal page that names the error instead of widening the search", async ({ url }) => {
    for (const query of ["stato=sospesa", "pagina=99999", `q=${"a".repeat(500)}`, "q=%22%20OR%201%3D1--&regione=%3Cscript%3E", "cpv=abc", "scadenza-al=31-12-2026"]) {
      const response = await fetch(url(`/convenzioni?${query}`));
      expect({ query, status: response.status }).toEqual({ query, status: 200 });
      const html = await response.text();
      expect(html).toContain("La ricerca non è stata eseguita");
      expect(html).not.toContain("convenzioni trovate");
      expect(html).not.toContain("<script>");
    }
    const beyond = await (await fetch(url("/convenzioni?pagina=40"))).text();
    expect(beyond).toContain("La pagina 40 non esiste");
    const empty = await (await fetch(url("/convenzioni?q=parolachenonesiste"))).text();
    expect(empty).toContain("Nessuna convenzione corrisponde a questa ricerca");
  });

  test("offers the correction of a misspelt word and what to relax when nothing is found, without JavaScript", async ({ newContext, url }) => {
    const noScript = await newContext({ javaScriptEnabled: false });
    const page = await noScript.newPage();
    await page.goto(url("/convenzioni?q=puliza"));
    expect(await page.locator(".catalog-suggestion").textContent()).toMatch(/Forse cercavi:\s*pulizia/);
    await Promise.all([page.waitForURL(/q=pulizia$/), page.locator(".catalog-suggestion a").click()]);
    expect(await page.getByLabel("Cerca", { exact: true }).inputValue()).toBe("pulizia");
    await page.goto(url("/convenzioni?q=farmaci&regione=Molise&tipo=sda"));
    expect(await page.getByRole("status").textContent()).toContain("Nessuna convenzione trovata");
    await Promise.all([
      page.waitForURL((u) => !u.searchParams.has("regione") && u.searchParams.get("tipo") === "sda"),
      page.getByRole("link", { name: /in tutte le regioni, non solo Molise/ }).click(),
    ]);
    expect(await page.locator(".convention-card h2").allTextContents()).toEqual(["Sistema dinamico: farmaci per le aziende sanitarie – Lazio"]);
    await noScript.close();
  });

  test("serves the open data and the calendar with their types", async ({ url }) => {
    const csv = await fetch(url("/dati/convenzioni.csv?stato=attiva"));
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect((await csv.text()).split("\r\n")[0]).toMatch(/^id,slug,titolo,/);
    const json = await fetch(url("/dati/convenzioni.json"));
    expect((await json.json()).licenza.name).toContain("CC BY 4.0");
    const ics = await fetch(url("/convenzioni/calendario.ics?scadenza=90"));
    expect(ics.headers.get("content-type")).toMatch(/^text\/calendar/);
    expect(await ics.text()).toMatch(/^BEGIN:VCALENDAR\r\n/);
    const suppliers = await (await fetch(url("/dati/convenzioni.json?fornitore=pulizie%20ecologiche&scadenza-dal=2027-01-01"))).json();
    expect(suppliers.convenzioni.map((c: { slug: string }) => c.slug).sort()).toEqual([
      "esempio-pulizia-degli-uffici-a-ridotto-impatto-ambientale-vicenza-2",
      "esempio-pulizia-uffici-consip-nazionale",
    ]);
    for (const path of ["/dati/convenzioni.csv?cpv=abc", "/convenzioni/calendario.ics?cpv=abc"]) {
      const refused = await fetch(url(path));
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(await refused.text()).toContain("Il codice CPV deve essere composto da cifre");
    }
    const refusedJson = await fetch(url("/dati/convenzioni.json?scadenza-al=domani"));
    expect(refusedJson.status).toBe(400);
    expect((await refusedJson.json()).errori[0]).toContain("non è valida");
  });

  test("sends anonymous visitors of the catalog back office to sign in", async ({ url }) => {
    const response = await fetch(url("/gestione/catalogo/convenzioni/nuova"), { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/accedi\?dopo=/);
  });

  test("lets an editor publish a convention from the back office, announced once", async ({ siteDb, newContext, url }) => {
    const editor = await createUserWithRole("editor");
    const editorContext = await newContext();
    const page = await editorContext.newPage();
    await page.goto(url("/gestione/catalogo/convenzioni/nuova"));
    await page.getByLabel("Indirizzo email").fill(editor.email);
    await page.getByLabel("Password").fill(editor.password);
    await page.getByRole("button", { name: "Accedi" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/convenzioni\/nuova$/);

    await page.getByLabel("Titolo").fill("Manutenzione delle strade metropolitane");
    await page.getByLabel("Indirizzo (slug)").fill("Manutenzione strade");
    await page.getByLabel("Soggetto aggregatore").selectOption("citta-metropolitana-torino");
    await page.getByLabel("Categoria").selectOption("manutenzione-strade");
    await page.locator("select[name=status]").selectOption("active");
    const lot = page.getByRole("group", { name: "Lotto 1 (nuovo)" });
    await lot.getByLabel("Numero").fill("1");
    await lot.getByLabel("Nome del lotto").fill("Rete nord");
    await lot.getByLabel("Regione").selectOption("Piemonte");
    await lot.getByLabel("Territorio").fill("Città metropolitana di Torino");
    await lot.getByLabel("Fornitore").fill("Asfalti Subalpini");
    await lot.getByLabel("Massimale (euro)").fill("2.500.000");
    await page.getByRole("button", { name: "Salva" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Indirizzo (slug)");
    await expectNoAxeViolations(page);

    await page.getByLabel("Indirizzo (slug)").fill("manutenzione-strade-torino");
    await page.getByRole("button", { name: "Salva" }).click();
    await page.waitForURL(/\/gestione\/catalogo\/convenzioni\/\d+\?salvato$/);
    expect(await page.getByRole("status").textContent()).toContain("Modifiche salvate");
    const id = Number(new URL(page.url()).pathname.split("/").pop());

    const catalog = await (await fetch(url("/convenzioni?q=asfalti subalpini"))).text();
    expect(catalog).toContain("Manutenzione delle strade metropolitane");
    const rows = await siteDb.db.select().from(announcements).where(eq(announcements.entityId, String(id)));
    expect(rows.map((r) => [r.kind, r.categoryId, r.aggregatorIds, r.regions])).toEqual([["convention", "manutenzione-strade", ["citta-metropolitana-torino"], ["Piemonte"]]]);
    await editorContext.close();
  });

  test("finds no WCAG 2.1 AA violation on any catalog page type", async ({ context, url }) => {
    for (const path of [
      "/convenzioni",
      "/convenzioni?q=pulizia&stato=attiva",
      "/convenzioni?stato=sospesa&q=parolachenonesiste",
      "/convenzioni?q=puliza",
      "/convenzioni?q=farmaci&regione=Molise&tipo=sda",
      "/convenzioni?cpv=abc&fornitore=pulizie",
      "/convenzioni/esempio-pulizia-uffici-consip-nazionale",
      "/convenzioni/vigilanza-armata-cm-milano",
      "/convenzioni/confronto",
      "/convenzioni/confronto?categoria=pulizia-uffici&regione=Lombardia",
      "/soggetti-aggregatori",
      "/soggetti-aggregatori/citta-metropolitana-milano",
      "/iniziative-congiunte",
      "/iniziative-congiunte/protocollo-consip-intercent-er",
      "/piani-attivita",
      "/strumenti",
      "/dati",
    ]) {
      const page = await context.newPage();
      const response = await page.goto(url(path));
      expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
      await expectNoAxeViolations(page);
      await page.close();
    }
  });
});
