/**
 * The catalog as open data (CSV, JSON) and as an iCalendar feed of upcoming
 * start dates and expiries. All three take the catalog query, so any
 * filtered catalog URL has matching downloads.
 */
import { stringify } from "csv-stringify/sync";
import ical, { ICalCalendarMethod, ICalEventTransparency } from "ical-generator";
import { absoluteUrl, withoutControlCharacters } from "@/lib/http";
import { INSTRUMENT_LABELS, CONVENTION_STATUS_LABELS } from "./labels";
import { todayInItaly } from "@/lib/dates";
import { type CatalogQuery } from "./params";
import { searchConventions, type ConventionSummary } from "./search";

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
    stato: CONVENTION_STATUS_LABELS[c.status],
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
    // Only web addresses reach the open data, whatever an older row holds (javascript:, data: …).
    url_ordini: c.orderingUrl && /^https?:\/\//i.test(c.orderingUrl) ? c.orderingUrl : null,
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

/**
 * Text a spreadsheet would run as a formula: a leading = + - @ (or their
 * full-width forms), possibly after spaces, or a leading tab, CR or LF.
 */
const FORMULA_START = /^[\s\u00a0]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/;

/** One CSV cell: text is stripped of control characters and neutralised against formula injection. */
function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = withoutControlCharacters(value);
  // An apostrophe makes Excel and LibreOffice show the cell as text; the rest is kept verbatim.
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type CsvSeparator = "," | ";";

/**
 * The open data as CSV (RFC 4180, written by csv-stringify): a UTF-8 BOM so
 * Excel reads the accents, header row, CRLF line ends. `,` by default; `;`
 * for Excel in the Italian locale, which splits on semicolons.
 */
export function toCsv(records: OpenDataRecord[], separator: CsvSeparator = ","): string {
  const names = OPEN_DATA_FIELDS.map((f) => f.name);
  return stringify(
    records.map((r) => names.map((n) => csvCell(r[n] ?? null))),
    { bom: true, header: true, columns: names, delimiter: separator, record_delimiter: "windows", quoted_match: /^\s|\s$/ },
  );
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
  // ical-generator escapes TEXT values (backslash, ; , and every CR/LF) and folds lines at 75 octets;
  // control characters, which RFC 5545 does not allow in TEXT at all, are dropped before.
  const calendar = ical({
    name: "Aggrega – date delle convenzioni",
    prodId: { company: "Aggrega", product: "Calendario convenzioni", language: "IT" },
    method: ICalCalendarMethod.PUBLISH,
  });
  for (const c of await allMatching(query, today)) {
    const url = absoluteUrl(`/convenzioni/${c.slug}`);
    const example = c.isExample ? " (esempio)" : "";
    const title = withoutControlCharacters(c.title);
    const events: { kind: string; date: string | null; summary: string }[] = [
      { kind: "inizio", date: c.startDate, summary: `Attivazione: ${title}${example}` },
      { kind: "scadenza", date: c.endDate, summary: `Scadenza: ${title}${example}` },
    ];
    for (const event of events) {
      if (!event.date || event.date < today) continue;
      calendar.createEvent({
        id: `convenzione-${c.id}-${event.kind}@${host}`,
        stamp: new Date(c.updatedAt),
        start: event.date,
        end: nextDay(event.date),
        allDay: true,
        summary: event.summary,
        description: withoutControlCharacters(`${c.aggregator.name} – ${INSTRUMENT_LABELS[c.instrumentType]}, ${CONVENTION_STATUS_LABELS[c.status].toLowerCase()}. ${url}`),
        url,
        transparency: ICalEventTransparency.TRANSPARENT,
      });
    }
  }
  return `${calendar.toString()}\r\n`;
}
