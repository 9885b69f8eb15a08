import ICAL from "ical.js";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  conventionCalendar,
  OPEN_DATA_FIELDS,
  openDataRecords,
  parseCatalogQuery,
  saveConvention,
  searchConventions,
  toCsv,
  toJson,
} from "@/catalog";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const TODAY = "2026-11-24";
const query = (params: string) => parseCatalogQuery(new URLSearchParams(params)).query;

describe("catalog open data and calendar", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ seed: true });
    await saveConvention(
      {
        slug: "titolo-difficile",
        aggregator: "consip",
        category: "farmaci",
        instrument: "convenzione",
        title: '=SOMMA(1;2), "virgolette", punto; e virgola — una riga davvero lunga con àccenti e città, più di settantacinque ottetti',
        summary: "Riga uno\nriga due",
        description: "",
        status: "active",
        startDate: "2026-12-15",
        endDate: "2027-06-30",
        ceiling: 1000,
        used: 999.5,
        example: true,
        lots: [{ number: 1, name: "Nazionale", region: "Italia", territory: "", supplier: "Farmaci, Esempio & C." }],
      },
      { upsert: true },
    );
    // Written before input was cleaned: a bare CR, control characters and formula starts in text, a script URL.
    await saveConvention(
      {
        slug: "titolo-ostile",
        aggregator: "consip",
        category: "farmaci",
        instrument: "convenzione",
        title: "Titolo\rDTSTART:19700101\r\nEND:VEVENT\u0007\u001b finto",
        summary: "",
        description: "",
        status: "active",
        startDate: "2026-12-20",
        endDate: "2027-07-30",
        orderingUrl: "javascript:alert(1)",
        cig: "+39 06 0000",
        example: true,
        lots: [{ number: 1, name: "Nazionale", region: "Italia", territory: "", supplier: "@SOMMA(A1) Fornitore" }, { number: 2, name: "Due", region: "Lazio", territory: "", supplier: " -2+3" }],
      },
      { upsert: true },
    );
  });
  afterAll(async () => {
    await db.cleanup();
  });

  it("writes CSV that papaparse reads back field for field", async () => {
    const records = await openDataRecords(query(""));
    const csv = toCsv(records);
    expect(csv.endsWith("\r\n")).toBe(true);
    const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(OPEN_DATA_FIELDS.map((f) => f.name));
    expect(parsed.data).toHaveLength(records.length);
    const hard = parsed.data.find((r) => r.slug === "titolo-difficile")!;
    // The leading "=" is neutralised against spreadsheet formula injection; the rest is verbatim.
    expect(hard.titolo).toBe(`'${records.find((r) => r.slug === "titolo-difficile")!.titolo}`);
    expect(hard).toMatchObject({ fornitori: "Farmaci, Esempio & C.", regioni: "Italia", massimale_euro: "1000", utilizzato_euro: "1000", esempio: "true" });
    expect(hard.url_pagina).toMatch(/^https?:\/\/.+\/convenzioni\/titolo-difficile$/);
  });

  it("writes CSV for Excel: UTF-8 BOM, a semicolon variant, every formula start neutralised, no control characters", async () => {
    const records = await openDataRecords(query(""));
    for (const separator of [",", ";"] as const) {
      const csv = toCsv(records, separator);
      expect(csv.charCodeAt(0)).toBe(0xfeff);
      expect(csv).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
      const parsed = Papa.parse<Record<string, string>>(csv.slice(1), { header: true, skipEmptyLines: true, delimiter: separator });
      expect(parsed.errors).toEqual([]);
      expect(parsed.meta.fields).toEqual(OPEN_DATA_FIELDS.map((f) => f.name));
      const hostile = parsed.data.find((r) => r.slug === "titolo-ostile")!;
      expect(hostile.titolo).toBe("Titolo DTSTART:19700101  END:VEVENT   finto");
      expect(hostile.cig).toBe("'+39 06 0000");
      expect(hostile.fornitori).toBe("'@SOMMA(A1) Fornitore| -2+3");
      expect(hostile.url_ordini).toBe("");
      // No text cell of any row starts as a formula.
      for (const row of parsed.data) for (const cell of Object.values(row)) expect(cell, cell).not.toMatch(/^[\s]*[=+@]|^[\s]*-[^\d]/);
      expect(parsed.data.find((r) => r.slug === "titolo-difficile")!.titolo.startsWith("'=SOMMA(1;2)")).toBe(true);
    }
  });

  it("applies the catalog filters to the downloads", async () => {
    const filtered = await openDataRecords(query("soggetto=citta-metropolitana-milano"));
    expect(filtered.map((r) => r.slug).sort()).toEqual(["pulizia-uffici-ridotto-impatto-cm-milano", "vigilanza-armata-cm-milano"]);
    const csv = Papa.parse<Record<string, string>>(toCsv(filtered), { header: true, skipEmptyLines: true });
    expect(csv.data.map((r) => r.esempio)).toEqual(["false", "false"]);
  });

  it("writes JSON with the licence, the field list and every record", async () => {
    const records = await openDataRecords(query("stato=attiva"));
    const doc = JSON.parse(JSON.stringify(toJson(records)));
    expect(doc.licenza.name).toContain("CC BY 4.0");
    expect(doc.campi.map((f: { name: string }) => f.name)).toEqual(OPEN_DATA_FIELDS.map((f) => f.name));
    expect(doc.totale).toBe((await searchConventions(query("stato=attiva"), { pageSize: 1000 })).total);
    expect(doc.convenzioni.every((c: { stato: string }) => c.stato === "Attiva")).toBe(true);
  });

  it("writes an iCalendar that ical.js parses: all-day events, unique UIDs, folded CRLF lines", async () => {
    const ics = await conventionCalendar(query(""), { today: TODAY });
    const lines = ics.split("\r\n");
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(lines.some((l) => l.startsWith(" "))).toBe(true);

    const calendar = new ICAL.Component(ICAL.parse(ics));
    const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    const all = (await searchConventions(query(""), { pageSize: 1000 })).items;
    const expected = all.flatMap((c) => [c.startDate, c.endDate].filter((d): d is string => d !== null && d >= TODAY));
    expect(events).toHaveLength(expected.length);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    for (const e of events) {
      expect(e.startDate.isDate).toBe(true);
      expect(e.component.getFirstPropertyValue("dtstamp")).toBeTruthy();
    }
    const expiry = events.find((e) => e.uid.startsWith("convenzione-") && e.summary.startsWith("Scadenza: =SOMMA(1;2), \"virgolette\""))!;
    expect(expiry.summary).toMatch(/più di settantacinque ottetti \(esempio\)$/);
    expect(expiry.startDate.toString()).toBe("2027-06-30");
    expect(expiry.endDate.toString()).toBe("2027-07-01");
  });

  it("keeps a title with a bare CR and control characters on its own line of the calendar", async () => {
    const ics = await conventionCalendar(query(""), { today: TODAY });
    expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(ics.split("\r\n").filter((l) => l.startsWith("DTSTART:1970"))).toEqual([]);
    const events = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    const hostile = events.filter((e) => e.summary.includes("DTSTART:19700101"));
    expect(hostile.map((e) => e.summary).sort()).toEqual(["Attivazione: Titolo DTSTART:19700101  END:VEVENT   finto (esempio)", "Scadenza: Titolo DTSTART:19700101  END:VEVENT   finto (esempio)"]);
    expect(events.filter((e) => e.startDate.toString() === "1970-01-01")).toEqual([]);
  });

  it("filters the calendar like the catalog", async () => {
    const ics = await conventionCalendar(query("scadenza=90"), { today: TODAY });
    const events = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events.length).toBeGreaterThan(0);
    const expiring = await searchConventions(query("scadenza=90"), { today: TODAY, pageSize: 1000 });
    const uids = new Set(expiring.items.map((c) => `convenzione-${c.id}`));
    for (const e of events) expect(uids.has(e.uid.replace(/-(inizio|scadenza)@.*$/, ""))).toBe(true);
  });
});
