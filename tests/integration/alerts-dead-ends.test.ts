/**
 * Links from alert mail opened a second time, over HTTP on the real built
 * server: a confirmation link already used says the subscription is active;
 * an unsubscribe link after unsubscribing says so, without asking again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { postForm } from "../helpers/forms";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";
import { mailQueueSettled } from "../helpers/mail";
import type { Connection } from "@/lib/db";

function mainText(html: string): string {
  return html.slice(html.indexOf("<main"), html.indexOf("</main>")).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

describe("alert links opened twice", () => {
  let site: RunningSite;
  let confirmUrl = "";
  let unsubscribeUrl = "";
  let conn: Connection;

  beforeAll(async () => {
    site = await startSite({ WORKER: "off" });
    conn = await useSiteDatabase(site);
    const subscribed = await postForm(site.baseUrl, "/avvisi/iscriviti", { email: "due-volte@comune.example.it", kinds: "press", frequency: "immediate", consent: "si" });
    expect(subscribed.status).toBeLessThan(400);
    // The confirmation leaves through the transactional-mail queue a moment after the answer.
    const confirmation = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).find((m) => /avvisi\/conferma\?t=/.test(m.text ?? ""));
        if (!found) throw new Error("no confirmation mail yet");
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    confirmUrl = /https?:\/\/\S+\/avvisi\/conferma\?t=[\w.-]+/.exec(confirmation!.text!)![0];
  });
  afterAll(async () => {
    await site?.stop();
  });

  it("a confirmation link opened again says the subscription is already confirmed, not that the link is invalid", async () => {
    const first = await fetch(confirmUrl);
    expect(first.status).toBe(200);
    expect(mainText(await first.text())).toContain("Conferma l'iscrizione");
    const confirmed = await postForm(site.baseUrl, new URL(confirmUrl).pathname + new URL(confirmUrl).search, {});
    expect(confirmed.status).toBeLessThan(400);

    const again = await fetch(confirmUrl);
    expect(again.status).toBe(200);
    const text = mainText(await again.text());
    expect(text).toContain("già confermata");
    expect(text).not.toContain("non valido");
    expect(text).not.toContain("Conferma l'iscrizione agli avvisi Manca un passo");
    // Posting it again (a refreshed page, a second click) is not an error either.
    const repost = await postForm(site.baseUrl, new URL(confirmUrl).pathname + new URL(confirmUrl).search, {});
    const repostText = mainText(await (repost.status === 303 ? await fetch(new URL(repost.headers.get("location")!, site.baseUrl)) : repost).text());
    expect(repostText).toContain("già confermata");
    // Only one welcome message, once the queue has sent what the confirmations caused.
    await mailQueueSettled(conn.db);
    const welcomes = (await site.outbox()).filter((m) => m.subject?.startsWith("Iscrizione confermata"));
    expect(welcomes).toHaveLength(1);
    unsubscribeUrl = /https?:\/\/\S+\/avvisi\/disiscrizione\?t=[\w.-]+/.exec(welcomes[0]!.text!)![0];
  });

  it("an unsubscribe link opened after unsubscribing says it is done, without asking again", async () => {
    const ask = await fetch(unsubscribeUrl);
    expect(mainText(await ask.text())).toContain("Sì, annulla l'iscrizione");
    const done = await postForm(site.baseUrl, new URL(unsubscribeUrl).pathname + new URL(unsubscribeUrl).search, {});
    expect(done.status).toBeLessThan(400);

    const again = await fetch(unsubscribeUrl);
    expect(again.status).toBe(200);
    const html = await again.text();
    expect(mainText(html)).toContain("già annullata");
    expect(html).not.toContain("Sì, annulla l'iscrizione");
    expect(mainText(html)).toContain("iscriverti di nuovo");
  });
});
