/**
 * The catalog as open data (CSV, JSON) and as an iCalendar feed of upcoming
 * start dates and expiries. All three take the catalog query, so any
 * filtered catalog URL has matching downloads.
 */
import { absoluteUrl } from "@/lib/http";
import { INSTRUMENT_LABELS, STATUS_LABELS } from "./labels";
import { searchConventions, todayInItaly, type CatalogQuery, type ConventionSummary } from "./query";

/** Licence of the open data, shown on /dati and embedded in the JSON. */
export const OPEN_DATA_LICENCE = {
  name: "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
  url: "https://creativecommons.org/licenses/by/4.0/deed.it",
  attribution: "Aggrega – Il portale dei soggetti aggregatori",
};

/** Largest export; far above the catalog's size, it only bounds a runaway request. */
const EXPORT_LIMIT = 10_000;

export interface OpenDataField {
  name: string;
  type: "testo" | "intero" | "data" | "booleano" | "URL" | "elenco";
  description: string;
}

/** The documented fields, in CSV column order. */
export const OPEN_DATA_FIELDS: OpenDataField[] = [
  { name: "id", type: "intero", description: "Identificativo stabile della convenzione nel portale." },
  { name: "slug", type: "testo", description: "Parte finale dell'indirizzo della pagina della convenzione." },
  { name: "titolo", type: "testo", description: "Titolo dello strumento di acquisto." },
  { name: "tipo_strumento", type: "testo", description: "Convenzione, accordo quadro, sistema dinamico di acquisizione o gara su delega." },
  { name: "stato", type: "testo", description: "In programma, gara in corso, attiva, esaurita o scaduta." },
  { name: "soggetto_aggregatore_id", type: "testo", description: "Identificativo del soggetto aggregatore che bandisce lo strumento." },
  { name: "soggetto_aggregatore", type: "testo", description: "Denominazione del soggetto aggregatore." },
  { name: "categoria_id", type: "testo", description: "Identificativo della categoria merceologica condivisa." },
  { name: "categoria", type: "testo", description: "Nome della categoria merceologica." },
  { name: "cig", type: "testo", description: "Codice identificativo di gara, quando noto." },
  { name: "regioni", type: "elenco", description: "Regioni dei lotti, separate da «|» («Italia» per i lotti nazionali)." },
  { name: "fornitori", type: "elenco", description: "Fornitori aggiudicatari dei lotti, separati da «|»." },
  { name: "data_pubblicazione", type: "data", description: "Data di pubblicazione del bando (AAAA-MM-GG)." },
  { name: "data_inizio", type: "data", description: "Data da cui lo strumento è attivo (AAAA-MM-GG)." },
  { name: "data_scadenza", type: "data", description: "Data di scadenza dello strumento (AAAA-MM-GG)." },
  { name: "massimale_euro", type: "intero", description: "Valore massimo dello strumento in euro, quando noto." },
  { name: "utilizzato_euro", type: "intero", description: "Parte del massimale già ordinata dalle amministrazioni, in euro." },
  { name: "url_ordini", type: "URL", description: "Indirizzo della piattaforma su cui si emettono gli ordinativi." },
  { name: "url_pagina", type: "URL", description: "Indirizzo della pagina della convenzione su questo portale." },
  { name: "esempio", type: "booleano", description: "true per le voci dimostrative, non reali." },
];

export type OpenDataRecord = Record<string, string | number | boolean | null>;

function toRecord(c: ConventionSummary): OpenDataRecord {
  const euro = (cents: number | null) => (cents === null ? null : Math.round(cents / 100));
  return {
    id: c.id,
    slug: c.slug,
    titolo: c.title,
    tipo_strumento: INSTRUMENT_LABELS[c.instrumentType],
    stato: STATUS_LABELS[c.status],
    soggetto_aggregatore_id: c.aggregator.id,
    soggetto_aggregatore: c.aggregator.name,
    categoria_id: c.category.id,
    categoria: c.category.name,
    cig: c.cig,
    regioni: c.regions.join("|"),
    fornitori: [...new Set(c.lots.map((l) => l.supplier).filter((s) => s !== null))].join("|"),
    data_pubblicazione: c.publishedOn,
    data_inizio: c.startDate,
    data_scadenza: c.endDate,
    massimale_euro: euro(c.ceilingValue),
    utilizzato_euro: euro(c.usedValue),
    url_ordini: c.orderingUrl,
    url_pagina: absoluteUrl(`/convenzioni/${c.slug}`),
    esempio: c.isExample,
  };
}

async function allMatching(query: CatalogQuery, today?: string): Promise<ConventionSummary[]> {
  const result = await searchConventions({ ...query, page: 1 }, { pageSize: EXPORT_LIMIT, today });
  return result.items;
}

/** The records of every convention matching the query (no pagination). */
export async function openDataRecords(query: CatalogQuery): Promise<OpenDataRecord[]> {
  return (await allMatching(query)).map(toRecord);
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  let text = String(value);
  // A leading = + - @ would run as a formula in spreadsheets (CSV injection).
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV: header row, comma separated, CRLF line ends. */
export function toCsv(records: OpenDataRecord[]): string {
  const names = OPEN_DATA_FIELDS.map((f) => f.name);
  const lines = [names.join(","), ...records.map((r) => names.map((n) => csvCell(r[n] ?? null)).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}

/** The JSON document: licence, field list and records. */
export function toJson(records: OpenDataRecord[], generatedAt = new Date()) {
  return {
    titolo: "Catalogo delle convenzioni dei soggetti aggregatori",
    licenza: OPEN_DATA_LICENCE,
    documentazione: absoluteUrl("/dati"),
    generato_il: generatedAt.toISOString(),
    campi: OPEN_DATA_FIELDS,
    totale: records.length,
    convenzioni: records,
  };
}

/** RFC 5545 TEXT escaping. */
function icsText(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** Folds a content line at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1). */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let bytes = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char);
    const limit = parts.length === 0 ? 75 : 74; // continuation lines start with a space
    if (bytes + size > limit) {
      parts.push(current);
      current = "";
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

const icsDate = (iso: string) => iso.replace(/-/g, "");
const icsStamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

function nextDay(iso: string): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * An iCalendar of the upcoming start dates and expiries of the conventions
 * matching the query: all-day events, stable UIDs, DTSTAMP from the last change.
 */
export async function conventionCalendar(query: CatalogQuery, options: { today?: string } = {}): Promise<string> {
  const today = options.today ?? todayInItaly();
  const host = new URL(absoluteUrl("/")).host;
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Aggrega//Calendario convenzioni//IT",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "X-WR-CALNAME:Aggrega – date delle convenzioni",
    "X-WR-TIMEZONE:Europe/Rome",
  ];
  for (const c of await allMatching(query, today)) {
    const url = absoluteUrl(`/convenzioni/${c.slug}`);
    const example = c.isExample ? " (esempio)" : "";
    const events: { kind: string; date: string | null; summary: string }[] = [
      { kind: "inizio", date: c.startDate, summary: `Attivazione: ${c.title}${example}` },
      { kind: "scadenza", date: c.endDate, summary: `Scadenza: ${c.title}${example}` },
    ];
    for (const event of events) {
      if (!event.date || event.date < today) continue;
      lines.push(
        "BEGIN:VEVENT",
        `UID:convenzione-${c.id}-${event.kind}@${host}`,
        `DTSTAMP:${icsStamp(c.updatedAt)}`,
        `DTSTART;VALUE=DATE:${icsDate(event.date)}`,
        `DTEND;VALUE=DATE:${icsDate(nextDay(event.date))}`,
        `SUMMARY:${icsText(event.summary)}`,
        `DESCRIPTION:${icsText(`${c.aggregator.name} – ${INSTRUMENT_LABELS[c.instrumentType]}, ${STATUS_LABELS[c.status].toLowerCase()}. ${url}`)}`,
        `URL:${url}`,
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
      );
    }
  }
  lines.push("END:VCALENDAR");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
