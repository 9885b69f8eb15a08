import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityReports } from "@db/schema";
import { retryAccessibilityMail } from "@/accessibility";
import { openDatabase, useConnection, type Connection } from "@/lib/db";
import { createMailer } from "@/mail";
import { postForm } from "../helpers/forms";
import { startSite, type RunningSite } from "../helpers/server";

const valid = {
  name: "Giulia Bianchi",
  email: "giulia.bianchi@comune.example.it",
  pageUrl: "/convenzioni",
  description: "Il filtro per regione non si può usare con la sola tastiera: il focus sparisce.",
};

describe("accessibility feedback form", () => {
  let site: RunningSite;
  let conn: Connection;
  beforeAll(async () => {
    site = await startSite({ OFFICE_EMAIL: "accessibilita@ente.example.it" });
    conn = await openDatabase(site.databaseUrl);
  }, 240_000);
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  it("is linked from the accessibility statement and labels every field", async () => {
    const statement = await (await fetch(new URL("/accessibilita", site.baseUrl))).text();
    expect(statement).toContain('href="/accessibilita/segnala"');
    const response = await fetch(new URL("/accessibilita/segnala?pagina=/convenzioni", site.baseUrl));
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const field of ["name", "email", "pageUrl", "description"]) {
      expect(html).toMatch(new RegExp(`<label for="campo-${field}"`));
      expect(html).toMatch(new RegExp(`id="campo-${field}"`));
    }
    expect(html).toContain('value="/convenzioni"');
  });

  it("answers an invalid report with 422 and an error summary linked to the fields, storing nothing", async () => {
    const response = await postForm(site.baseUrl, "/accessibilita/segnala", { name: "", email: "non-un-indirizzo", description: "breve" });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('href="#campo-email"');
    expect(html).toContain('href="#campo-description"');
    expect(html).toContain("Indica un indirizzo email valido");
    expect(html).toContain('aria-invalid="true"');
    const [row] = await conn.db.select({ n: count() }).from(accessibilityReports);
    expect(row!.n).toBe(0);
  });

  it("stores a report, mails the office and sends a receipt to the sender", async () => {
    const response = await postForm(site.baseUrl, "/accessibilita/segnala", valid);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("A-000001");
    expect(html).toContain("Ti abbiamo inviato una ricevuta");
    const rows = await conn.db.select().from(accessibilityReports);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: valid.email, pageUrl: valid.pageUrl, description: valid.description, nextMailAt: null, mailAttempts: 1 });
    expect(rows[0]!.officeMailedAt).toBeInstanceOf(Date);
    expect(rows[0]!.receiptMailedAt).toBeInstanceOf(Date);
    const mails = await site.outbox();
    const office = mails.find((m) => m.subject === "Segnalazione di accessibilità A-000001");
    const receipt = mails.find((m) => m.subject === "Abbiamo ricevuto la tua segnalazione A-000001");
    expect(office?.to && "text" in office.to ? office.to.text : "").toBe("accessibilita@ente.example.it");
    expect(office?.replyTo?.text).toBe(valid.email);
    expect(office?.text).toContain(valid.description);
    expect(receipt?.to && "text" in receipt.to ? receipt.to.text : "").toBe(valid.email);
    expect(receipt?.text).toContain("entro 30 giorni");
    expect(receipt?.html).toContain('lang="it"');
    // The sender's address is personal data: it reaches the mail, never the logs.
    expect(site.output()).not.toContain(valid.email);
    // The receipt is a fixed text: nothing the sender typed is echoed to the address they gave.
    for (const typed of [valid.name, valid.description, valid.pageUrl]) {
      expect(receipt?.text).not.toContain(typed);
      expect(receipt?.html).not.toContain(typed);
    }
  });

  it("cannot be used to mail a victim: per-recipient cap folding case, dots and +tags, and a per-address limit", async () => {
    const before = (await site.outbox()).length;
    const victim = ["Vittima.Prova@gmail.com", "vittimaprova+1@gmail.com", "v.i.t.t.i.m.a.prova+due@googlemail.com", "VITTIMAPROVA@gmail.com", "vittima.prova+5@gmail.com"];
    const statuses: number[] = [];
    for (const [i, email] of victim.entries()) {
      const response = await postForm(site.baseUrl, "/accessibilita/segnala", { ...valid, email, description: `Testo scelto da chi attacca, numero ${i}.` }, { "X-Forwarded-For": `203.0.113.${i}` });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(await response.text()).toContain("riprova più tardi");
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const receipts = (await site.outbox()).slice(before).filter((m) => m.subject?.startsWith("Abbiamo ricevuto"));
    expect(receipts).toHaveLength(3);

    // One address sending to many different recipients hits the per-address limit (X-Forwarded-For is not trusted without TRUST_PROXY).
    const fromOneSource: number[] = [];
    for (let i = 0; i < 4; i++) {
      fromOneSource.push((await postForm(site.baseUrl, "/accessibilita/segnala", { ...valid, email: `destinatario${i}@comune.example.it` })).status);
    }
    // Every attempt above came from this same loopback address (1 + 5 already): past the limit of 5 an hour, fresh recipients are refused too.
    expect(fromOneSource).toEqual([429, 429, 429, 429]);
  });
});

describe("accessibility feedback when the outbox cannot be written", () => {
  let site: RunningSite;
  let conn: Connection;
  beforeAll(async () => {
    site = await startSite({ LOG_LEVEL: "info" });
    // A file where the outbox folder should be: every write fails, as on a full or read-only disk.
    await writeFile(site.outboxDir, "non una cartella");
    conn = await openDatabase(site.databaseUrl);
  }, 240_000);
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  it("keeps the report, says so honestly, and the retry job delivers both messages later exactly once", async () => {
    const response = await postForm(site.baseUrl, "/accessibilita/segnala", valid);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("è comunque registrata");
    expect(html).toContain("non siamo riusciti a inviarti la ricevuta");
    const [stored] = await conn.db.select().from(accessibilityReports);
    expect(stored).toMatchObject({ officeMailedAt: null, receiptMailedAt: null, mailAttempts: 1 });
    expect(stored!.nextMailAt!.getTime()).toBeGreaterThan(Date.now());
    expect(stored!.mailError).toContain("Impossibile scrivere nella cartella della posta");

    const log = site.output();
    expect(log).toContain('"event":"accessibility.mail.failed"');
    expect(log).not.toContain(valid.email);
    expect(log).not.toMatch(/\n\s+at /);

    // Later, with a working outbox, the job finds the report due and sends what is missing.
    useConnection(conn);
    const outbox = path.join(site.dir, "outbox-riparata");
    const working = createMailer({ outboxDir: outbox, from: "a@aggrega.test", messageIdDomain: "aggrega.test" });
    expect(await retryAccessibilityMail(working, new Date(Date.now() + 60 * 60_000))).toBe(1);
    expect(await retryAccessibilityMail(working, new Date(Date.now() + 60 * 60_000))).toBe(0);
    const [after] = await conn.db.select().from(accessibilityReports).where(eq(accessibilityReports.id, stored!.id));
    expect(after).toMatchObject({ nextMailAt: null, mailAttempts: 2, mailError: null });
    expect((await readdir(outbox)).filter((f) => f.endsWith(".eml"))).toHaveLength(2);
  });
});
