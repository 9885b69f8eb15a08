/**
 * Before publishing, the press editor says how many subscribers the item will
 * reach now and how many in the weekly digest (the fan-out's own matching
 * rule), and sends the editor a test of the alert. Over HTTP on the built server.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { subscribers } from "@db/schema";
import type { Connection } from "@/lib/db";
import { addSubscribers } from "../helpers/alerts";
import { signedInAs, type TestUser } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

function mainText(html: string): string {
  return html.slice(html.indexOf("<main"), html.indexOf("</main>")).replace(/<[^>]+>/g, " ").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}

describe("the press editor before publishing", () => {
  let site: RunningSite;
  let conn: Connection;
  let cookie = "";
  let editor: TestUser;
  let editUrl = "";

  beforeAll(async () => {
    site = await startSite({ WORKER: "off" });
    conn = await useSiteDatabase(site);
    ({ cookie, user: editor } = await signedInAs(site, "editor"));
    await conn.db.delete(subscribers);
    await addSubscribers(conn.db, [
      { email: "subito-1@example.it", kinds: ["press"] },
      { email: "subito-2@example.it", kinds: ["press"], aggregators: ["consip"] },
      { email: "settimana@example.it", kinds: ["press"], frequency: "weekly" },
      { email: "altro-soggetto@example.it", kinds: ["press"], aggregators: ["intercent-er"] },
      { email: "solo-convenzioni@example.it", kinds: ["convention"] },
    ]);
    const created = await postForm(
      site.baseUrl,
      "/gestione/comunicati/nuovo",
      new URLSearchParams([["kind", "news"], ["title", "Prova dei destinatari"], ["summary", "In breve"], ["body", "Il testo **completo** della notizia."], ["aggregators", "consip"], ["status", "draft"], ["azione", "salva"]]),
      { cookie },
    );
    expect(created.status).toBe(303);
    editUrl = new URL(created.headers.get("location")!, site.baseUrl).pathname;
  });
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  it("says how many subscribers will get it now and how many in the weekly digest", async () => {
    const untagged = mainText(await (await fetch(new URL("/gestione/comunicati/nuovo", site.baseUrl), { headers: { cookie } })).text());
    // No tags: an item that names no aggregator is not filtered out by anyone's aggregator choice.
    expect(untagged).toContain("Pubblicandolo ora, 3 persone iscritte riceveranno subito un'email e 1 lo troverà nel riepilogo settimanale");
    const tagged = mainText(await (await fetch(new URL(editUrl, site.baseUrl), { headers: { cookie } })).text());
    expect(tagged).toContain("Pubblicandolo ora, 2 persone iscritte riceveranno subito un'email e 1 lo troverà nel riepilogo settimanale");
  });

  it("sends a test of the alert to the editor's own address", async () => {
    const sent = await postForm(site.baseUrl, `${editUrl}?invia-prova`, {}, { cookie });
    expect(sent.status).toBe(303);
    const page = mainText(await (await fetch(new URL(sent.headers.get("location")!, site.baseUrl), { headers: { cookie } })).text());
    expect(page).toContain(`Prova in invio a ${editor.email}`);
    // Queued like every transactional message, it leaves a moment after the answer.
    const mails = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).filter((m) => m.subject?.startsWith("[Prova]"));
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(mails[0]!.subject).toBe("[Prova] Notizia: Prova dei destinatari");
    expect((mails[0]!.to as { text: string }).text).toContain(editor.email);
    expect(mails[0]!.text).toContain("Il testo **completo** della notizia.");
  });
});
