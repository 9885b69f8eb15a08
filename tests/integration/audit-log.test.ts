/**
 * The back-office audit log over HTTP on the real built server: in Italian,
 * with who did it, the item with its name and a link, each changed field with
 * its value before and after, local time, and filters by person, kind and date.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { savePressRelease } from "@/press";
import { actorOf } from "@/accounts/users";
import { signedInAs, type TestUser } from "../helpers/auth";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

function mainText(html: string): string {
  return html.slice(html.indexOf("<main"), html.indexOf("</main>")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

describe("the audit log", () => {
  let site: RunningSite;
  let cookie = "";
  let editor: TestUser;
  let releaseId = 0;

  beforeAll(async () => {
    site = await startSite({ WORKER: "off" });
    await useSiteDatabase(site);
    ({ cookie } = await signedInAs(site, "admin"));
    // The editor's session is not needed: the change goes through the domain function the editor page calls.
    editor = (await signedInAs(site, "editor")).user;
    const actor = actorOf({ id: editor.id, name: editor.name, role: "editor" });
    const base = { kind: "news" as const, summary: "Sintesi", body: "Testo", contactBlock: "", aggregators: [], categories: [], status: "draft" as const, publishAt: "", attachmentIds: [], removeAttachments: [] };
    ({ id: releaseId } = await savePressRelease(undefined, { ...base, title: "Bozza per il registro" }, actor));
    await savePressRelease(releaseId, { ...base, kind: "press_release", title: "Titolo corretto per il registro" }, actor);
  });
  afterAll(async () => {
    await site?.stop();
  });

  const get = async (query = "") => {
    const response = await fetch(new URL(`/gestione/registro${query}`, site.baseUrl), { headers: { cookie } });
    expect(response.status).toBe(200);
    return response.text();
  };

  it("reads in Italian: what, who, which item with a link, and each field before and after", async () => {
    const html = await get();
    const text = mainText(html);
    expect(text).toContain("Contenuto della sala stampa modificato");
    expect(text).toContain("Contenuto della sala stampa creato");
    expect(text).toContain(`${editor.name} (redazione)`);
    expect(html).toContain(`<a href="/gestione/comunicati/${releaseId}">Titolo corretto per il registro</a>`);
    expect(text).toMatch(/Titolo\s*: da «Bozza per il registro» a «Titolo corretto per il registro»/);
    expect(text).toMatch(/Tipo\s*: da «Notizia» a «Comunicato stampa»/);
    // No raw action codes or English role names.
    expect(text).not.toMatch(/press\.(updated|created)|\(editor\)|press_release/);
    // Local time, written out in Italian.
    expect(text).toMatch(/\d{1,2} (gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre) \d{4}/);
  });

  it("filters by person, kind of item and date, and explains a bad filter in Italian", async () => {
    const byEditor = mainText(await get(`?persona=${encodeURIComponent(editor.id)}`));
    expect(byEditor).toContain("2 modifiche trovate");
    const byKind = mainText(await get("?tipo=press_release"));
    expect(byKind).toContain("Contenuto della sala stampa modificato");
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Rome" }).format(new Date());
    expect(mainText(await get(`?persona=${encodeURIComponent(editor.id)}&dal=${today}&al=${today}`))).toContain("2 modifiche trovate");
    expect(mainText(await get(`?persona=${encodeURIComponent(editor.id)}&al=2000-01-01`))).toContain("Nessuna modifica corrisponde ai filtri");
    const bad = mainText(await get("?dal=2026-02-31&tipo=inventato"));
    expect(bad).toContain("La data «dal» non è una data valida");
    expect(bad).toContain("Il tipo di oggetto indicato non compare nel registro");
  });
});
