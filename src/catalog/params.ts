/**
 * The catalog query as the URL carries it: one parser for every page and
 * endpoint that takes the catalog's filters (page, open data, calendar, OCDS,
 * API, saved searches), and its canonical query string. The SQL is in
 * search.ts.
 */
import { inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { CONVENTION_STATUSES, INSTRUMENT_TYPES, type ConventionStatus, type InstrumentType } from "@db/schema";
import { slugParam } from "@/lib/field-rules";
import { addDays, todayInItaly } from "@/lib/dates";
import { cpvEntry, cpvEntryByDigits } from "./cpv/vocabulary";
import { toFtsMatch } from "./fts";
import { INSTRUMENT_SLUGS, NATIONAL_REGION, REGIONS, STATUS_SLUGS } from "./labels";

export const SORTS = ["rilevanza", "scadenza", "recenti", "titolo"] as const;
export type CatalogSort = (typeof SORTS)[number];

export const SORT_LABELS: Record<CatalogSort, string> = {
  rilevanza: "Pertinenza",
  scadenza: "Scadenza più vicina",
  recenti: "Più recenti",
  titolo: "Titolo (A-Z)",
};

/** Results per catalog page. */
export const CATALOG_PAGE_SIZE = 20;
/** Longest accepted search text; longer text is ignored with a message. */
export const MAX_QUERY_LENGTH = 200;
/** "In scadenza" means ending within this many days. */
export const EXPIRING_DAYS = 90;
const MAX_PAGE = 10_000;

/** A validated catalog search. Absent fields do not filter. */
export interface CatalogQuery {
  q?: string;
  categoryId?: string;
  /** CPV code or its leading digits (e.g. "909" or "90919200-4"). */
  cpv?: string;
  instrumentType?: InstrumentType;
  aggregatorId?: string;
  region?: string;
  status?: ConventionStatus;
  /** Only active conventions ending within EXPIRING_DAYS. */
  expiring?: boolean;
  /** A supplier of one of the lots: part of its name, any case. */
  supplier?: string;
  /** Activation (start) date range, YYYY-MM-DD, both ends included. */
  startFrom?: string;
  startTo?: string;
  /** Expiry (end) date range, YYYY-MM-DD, both ends included. */
  endFrom?: string;
  endTo?: string;
  sort: CatalogSort;
  page: number;
}

export interface ParsedCatalogQuery {
  query: CatalogQuery;
  /**
   * Italian messages about parameters that are not valid. The query holds the
   * valid ones only, so a page must show these as errors instead of results:
   * a dropped filter would silently widen the search.
   */
  messages: string[];
}

/** Longest accepted supplier text. */
export const MAX_SUPPLIER_LENGTH = 80;

/** The date-range parameters: URL name, query field and its label in messages. */
export const DATE_PARAMS = [
  { name: "attivazione-dal", field: "startFrom", label: "attiva dal" },
  { name: "attivazione-al", field: "startTo", label: "attiva fino al" },
  { name: "scadenza-dal", field: "endFrom", label: "in scadenza dal" },
  { name: "scadenza-al", field: "endTo", label: "in scadenza fino al" },
] as const satisfies readonly { name: string; field: keyof CatalogQuery; label: string }[];

/** The sort a search gets when none is asked for. */
export function defaultSort(query: Pick<CatalogQuery, "q" | "expiring">): CatalogSort {
  if (query.expiring) return "scadenza";
  return query.q ? "rilevanza" : "recenti";
}

/** A CPV code (8 digits, optional check digit) or a CIG (10 letters and digits) typed as the whole search text. */
export type SearchCode = { kind: "cpv"; digits: string } | { kind: "cig"; code: string };

export function searchCode(text: string): SearchCode | null {
  const t = text.trim();
  const cpv = /^(\d{8})(?:-\d)?$/.exec(t);
  if (cpv) return { kind: "cpv", digits: cpv[1]! };
  if (/^[0-9A-Z]{10}$/i.test(t) && /\d/.test(t) && /[A-Z]/i.test(t)) return { kind: "cig", code: t.toUpperCase() };
  return null;
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T12:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

const statusBySlug = new Map(CONVENTION_STATUSES.map((s) => [STATUS_SLUGS[s], s]));
const instrumentBySlug = new Map(INSTRUMENT_TYPES.map((t) => [INSTRUMENT_SLUGS[t], t]));
const regionByLower = new Map([NATIONAL_REGION, ...REGIONS].map((r) => [r.toLowerCase(), r]));


const cpvParam = z.string().regex(/^\d{2,8}(?:-\d)?$/);
const pageParam = z.coerce.number().int().min(1).max(MAX_PAGE);

/**
 * Reads the catalog parameters of a URL. Never throws: a bad value is left
 * out and explained in `messages`, so the page still answers normally.
 */
export function parseCatalogQuery(params: URLSearchParams): ParsedCatalogQuery {
  const messages: string[] = [];
  const query: CatalogQuery = { sort: "recenti", page: 1 };
  const get = (name: string) => params.get(name)?.trim() ?? "";

  const q = get("q");
  if (q.length > MAX_QUERY_LENGTH) {
    messages.push(`Il testo cercato è troppo lungo: al massimo ${MAX_QUERY_LENGTH} caratteri.`);
  } else if (q) {
    if (toFtsMatch(q) === null) messages.push("Il testo cercato non contiene parole utili: scrivi almeno una parola o un codice.");
    else query.q = q;
  }

  const slugField = (name: string, label: string, set: (v: string) => void) => {
    const value = get(name);
    if (!value) return;
    if (slugParam.safeParse(value).success) set(value);
    else messages.push(`Il valore indicato per «${label}» non è valido: sceglilo dall'elenco.`);
  };
  slugField("categoria", "categoria", (v) => (query.categoryId = v));
  slugField("soggetto", "soggetto aggregatore", (v) => (query.aggregatorId = v));

  const cpv = get("cpv");
  if (cpv) {
    if (!cpvParam.safeParse(cpv).success) messages.push("Il codice CPV deve essere composto da cifre, ad esempio 90919200-4 oppure solo le prime cifre, come 909.");
    else if (/^\d{8}/.test(cpv) && !(cpv.includes("-") ? cpvEntry(cpv) : cpvEntryByDigits(cpv))) messages.push(`Il codice CPV ${cpv} non esiste nel vocabolario CPV 2008: controlla le cifre, oppure indica solo le prime, come 909.`);
    else query.cpv = cpv;
  }

  const tipo = get("tipo");
  if (tipo) {
    const type = instrumentBySlug.get(tipo);
    if (type) query.instrumentType = type;
    else messages.push("Il tipo di strumento indicato non esiste: sceglilo dall'elenco.");
  }

  const stato = get("stato");
  if (stato) {
    const status = statusBySlug.get(stato);
    if (status) query.status = status;
    else messages.push("Lo stato indicato non esiste: sceglilo dall'elenco.");
  }

  const regione = get("regione");
  if (regione) {
    const region = regionByLower.get(regione.toLowerCase());
    if (region) query.region = region;
    else messages.push("La regione indicata non esiste: sceglila dall'elenco.");
  }

  const scadenza = get("scadenza");
  if (scadenza) {
    if (scadenza === String(EXPIRING_DAYS)) query.expiring = true;
    else messages.push(`Il filtro «in scadenza» accetta solo il valore ${EXPIRING_DAYS} (giorni).`);
  }

  const fornitore = get("fornitore").replace(/\s+/g, " ");
  if (fornitore) {
    if (fornitore.length > MAX_SUPPLIER_LENGTH) messages.push(`Il nome del fornitore è troppo lungo: al massimo ${MAX_SUPPLIER_LENGTH} caratteri.`);
    else if (!/[\p{L}\p{N}]/u.test(fornitore)) messages.push("Il nome del fornitore deve contenere almeno una lettera o una cifra.");
    else query.supplier = fornitore;
  }

  for (const { name, field, label } of DATE_PARAMS) {
    const value = get(name);
    if (!value) continue;
    if (isIsoDate(value)) query[field] = value;
    else messages.push(`La data «${label}» non è valida: scrivila come aaaa-mm-gg, ad esempio 2026-12-31.`);
  }
  if (query.startFrom && query.startTo && query.startFrom > query.startTo) {
    messages.push("Nel periodo di attivazione la prima data viene dopo la seconda: invertile o correggile.");
    delete query.startFrom;
    delete query.startTo;
  }
  if (query.endFrom && query.endTo && query.endFrom > query.endTo) {
    messages.push("Nel periodo di scadenza la prima data viene dopo la seconda: invertile o correggile.");
    delete query.endFrom;
    delete query.endTo;
  }

  const ordina = get("ordina");
  if (ordina) {
    if ((SORTS as readonly string[]).includes(ordina)) query.sort = ordina as CatalogSort;
    else messages.push("L'ordinamento indicato non esiste: sceglilo dall'elenco.");
  } else {
    query.sort = defaultSort(query);
  }
  if (query.sort === "rilevanza" && !query.q) query.sort = defaultSort({ ...query, q: undefined });

  const pagina = get("pagina");
  if (pagina) {
    const page = pageParam.safeParse(pagina);
    if (page.success) query.page = page.data;
    else messages.push("Il numero di pagina non è valido: deve essere un numero intero da 1 in su.");
  }
  return { query, messages };
}

/**
 * The canonical query string of a search (without the page unless asked),
 * used for links, pagination, the calendar and saved alerts.
 */
export function catalogQueryString(query: CatalogQuery, options: { page?: number } = {}): string {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.categoryId) params.set("categoria", query.categoryId);
  if (query.cpv) params.set("cpv", query.cpv);
  if (query.instrumentType) params.set("tipo", INSTRUMENT_SLUGS[query.instrumentType]);
  if (query.aggregatorId) params.set("soggetto", query.aggregatorId);
  if (query.region) params.set("regione", query.region);
  if (query.status) params.set("stato", STATUS_SLUGS[query.status]);
  if (query.expiring) params.set("scadenza", String(EXPIRING_DAYS));
  if (query.supplier) params.set("fornitore", query.supplier);
  for (const { name, field } of DATE_PARAMS) {
    const value = query[field];
    if (value) params.set(name, value);
  }
  if (query.sort !== defaultSort(query)) params.set("ordina", query.sort);
  if (options.page && options.page > 1) params.set("pagina", String(options.page));
  return params.toString();
}

/** True when the query filters anything (a bare catalog has no filter). */
export function hasFilters(query: CatalogQuery): boolean {
  return catalogQueryString({ ...query, sort: defaultSort(query) }) !== "";
}


