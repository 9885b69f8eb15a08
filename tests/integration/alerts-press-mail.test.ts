/**
 * A press item published from the back office reaches subscribers as what it
 * is ("Notizia" or "Comunicato stampa") and with its full text, through the
 * real worker and a real SMTP peer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcements } from "@db/schema";
import { overrideConfig } from "@/config";
import { closeMailer } from "@/mail";
import { savePressRelease } from "@/press";
import { feedResponse, kindScope } from "@/alerts";
import { addSubscribers, SITE, testWorker } from "../helpers/alerts";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp";

let tdb: TestDatabase;
let sink: SmtpSink;

beforeAll(async () => {
  tdb = await createTestDatabase({ seed: true });
  sink = await startSmtpSink();
  overrideConfig({ SMTP_URL: sink.url, SITE_URL: SITE, MAIL_FROM: "Aggrega <avvisi@aggrega.test>" });
  // The seed's own announcements are not what this test is about.
  await tdb.db.update(announcements).set({ fannedOutAt: new Date() });
});
afterAll(async () => {
  await closeMailer();
  await sink.close();
  await tdb.cleanup();
});

describe("alert mail for press items", () => {
  it("announces a news item as «Notizia» and a release as «Comunicato stampa», each with its body", async () => {
    await addSubscribers(tdb.db, [{ email: "stampa@comune.example.it", kinds: ["press"] }]);
    const actor = { id: null, label: "test" };
    const base = { summary: "In breve", contactBlock: "", aggregators: [], categories: [], status: "published" as const, publishAt: "", attachmentIds: [], removeAttachments: [] };
    await savePressRelease(undefined, { ...base, kind: "news", title: "Una notizia per gli iscritti", body: "Primo paragrafo della **notizia**.\n\nSecondo paragrafo." }, actor);
    await savePressRelease(undefined, { ...base, kind: "press_release", title: "Un comunicato per gli iscritti", body: "Testo del comunicato." }, actor);
    const { worker, mailer } = testWorker(tdb.db, sink.url);
    await worker.runPass();
    await worker.runPass();
    await mailer.close();
    const messages = await sink.waitFor(2);
    const news = messages.find((m) => m.subject?.includes("Una notizia"))!;
    expect(news.subject).toBe("Notizia: Una notizia per gli iscritti");
    expect(news.text).toContain("Secondo paragrafo.");
    expect(String(news.html)).toContain("<strong>notizia</strong>");
    const release = messages.find((m) => m.subject?.includes("Un comunicato"))!;
    expect(release.subject).toBe("Comunicato stampa: Un comunicato per gli iscritti");
    expect(release.text).toContain("Testo del comunicato.");

    // The RSS feed of press items names each the same way.
    const feed = await (await feedResponse(kindScope("press"), new Request(`${SITE}/feed/tipo/press.xml`))).text();
    const item = (title: string) => new RegExp(`<item>(?:(?!</item>)[\\s\\S])*${title}(?:(?!</item>)[\\s\\S])*</item>`).exec(feed)?.[0] ?? "";
    expect(item("Una notizia per gli iscritti")).toContain("<category><![CDATA[Notizia]]></category>");
    expect(item("Un comunicato per gli iscritti")).toContain("<category><![CDATA[Comunicato stampa]]></category>");
  });
});
