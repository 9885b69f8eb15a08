import { rm, writeFile } from "node:fs/promises";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accessibilityReports, outboundMail } from "@db/schema";
import { openDatabase, type Connection } from "@/lib/db";
import { signedInAs } from "../helpers/auth";
import { postForm } from "../helpers/forms";
import { startSite, type RunningSite } from "../helpers/server";
import { useSiteDatabase } from "../helpers/db";

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
    const posted = await postForm(site.baseUrl, "/accessibilita/segnala", valid);
    expect(posted.status).toBe(303);
    const response = await fetch(new URL(posted.headers.get("location")!, site.baseUrl));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("A-000001");
    expect(html).toContain("ti arriverà una ricevuta");
    const rows = await conn.db.select().from(accessibilityReports);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: valid.email, pageUrl: valid.pageUrl, description: valid.description });
    // Both messages leave through the transactional-mail queue a moment after the answer.
    const mails = await vi.waitFor(
      async () => {
        const found = await site.outbox();
        if (found.length < 2) throw new Error(`${found.length} messages so far`);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(mails).toHaveLength(2);
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
    expect(statuses).toEqual([303, 303, 303, 429, 429]);
    // The receipts leave through the transactional-mail queue a moment after each answer.
    const receipts = await vi.waitFor(
      async () => {
        const found = (await site.outbox()).slice(before).filter((m) => m.subject?.startsWith("Abbiamo ricevuto"));
        expect(found).toHaveLength(3);
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );

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
    // Retries a tenth of a second apart, so the test sees the worker's retry without waiting a minute.
    site = await startSite({ LOG_LEVEL: "info", ALERTS_RETRY_BASE_MS: "100", ALERTS_POLL_MS: "100" });
    // A file where the outbox folder should be: every write fails, as on a full or read-only disk.
    await writeFile(site.outboxDir, "non una cartella");
    conn = await useSiteDatabase(site);
  }, 240_000);
  afterAll(async () => {
    conn?.client.close();
    await site?.stop();
  });

  it("keeps the report and its messages, and the worker delivers both exactly once when the folder works again", async () => {
    const posted = await postForm(site.baseUrl, "/accessibilita/segnala", valid);
    expect(posted.status).toBe(303);
    const response = await fetch(new URL(posted.headers.get("location")!, site.baseUrl));
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("A-000001");
    expect(html).toContain("ritentato automaticamente");
    expect(await conn.db.select({ n: count() }).from(accessibilityReports)).toEqual([{ n: 1 }]);

    // The site's own attempt failed as temporary, with the reason kept for the back office.
    await vi.waitFor(
      async () => {
        const queued = await conn.db.select().from(outboundMail);
        expect(queued.map((m) => m.kind).sort()).toEqual(["accessibility_office", "accessibility_receipt"]);
        for (const m of queued) {
          expect(m.status).toBe("queued");
          expect(m.lastError).toContain("Impossibile scrivere nella cartella della posta");
        }
      },
      { timeout: 15_000, interval: 50 },
    );
    // Editors see both messages waiting, with the reason, in the back office.
    const { cookie } = await signedInAs(site, "editor");
    const backOffice = await fetch(new URL("/gestione/avvisi/servizio", site.baseUrl), { headers: { cookie } });
    expect(backOffice.status).toBe(200);
    const page = await backOffice.text();
    expect(page).toContain("Segnalazione di accessibilità all&#39;ufficio");
    expect(page).toContain("Ricevuta della segnalazione di accessibilità");
    expect(page).toContain("in coda, nuovo tentativo il");
    expect(page).toContain("Impossibile scrivere nella cartella della posta");

    const log = site.output();
    expect(log).toContain('"event":"mail.send.retry"');
    expect(log).not.toContain(valid.email);
    expect(log).not.toMatch(/\n\s+at /);

    // The disk is repaired: the worker in `npm start` retries and writes each message once.
    await rm(site.outboxDir, { force: true });
    await vi.waitFor(
      async () => {
        const sent = await conn.db.select({ status: outboundMail.status }).from(outboundMail);
        expect(sent.map((m) => m.status)).toEqual(["sent", "sent"]);
      },
      { timeout: 30_000, interval: 50 },
    );
    const mails = await site.outbox();
    expect(mails.map((m) => m.subject).sort()).toEqual(["Abbiamo ricevuto la tua segnalazione A-000001", "Segnalazione di accessibilità A-000001"]);
  });
});
