/**
 * Reading open-data CSV files as their publishers actually write them: the
 * encoding and the delimiter are sniffed, never assumed (Consip's own notes
 * disagree on both), a UTF-8 byte-order mark and a `#` before the first
 * header are dropped, and amounts and dates in Italian notation are read.
 *
 * Encoding: `chardet` (a maintained TypeScript port of ICU's detector) names
 * the likeliest charset from byte statistics; bytes that decode as strict
 * UTF-8 are UTF-8 whatever the guess (a Latin-1 file with accented letters is
 * never valid UTF-8), anything else is read as windows-1252, the superset of
 * ISO-8859-1 that files labelled Latin-1 are in practice.
 * Delimiter: papaparse's guesser, among `;`, `,`, tab and `|`.
 */
import chardet from "chardet";
import Papa from "papaparse";

export interface DecodedText {
  text: string;
  /** The encoding the bytes were read in. */
  encoding: "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";
}

/** Decodes a file's bytes in the encoding they turn out to be in. */
export function decodeText(bytes: Uint8Array): DecodedText {
  const guess = (chardet.detect(bytes.subarray(0, 256 * 1024)) ?? "").toUpperCase();
  if (guess === "UTF-16LE" || guess === "UTF-16BE") {
    const encoding = guess === "UTF-16LE" ? "utf-16le" : "utf-16be";
    return { text: new TextDecoder(encoding).decode(bytes), encoding };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    // Not UTF-8 (ISO-8859-1, -15 or windows-1252 by chardet's guess): windows-1252 reads all three's letters.
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

export interface CsvRow {
  /** 1-based line of the file where the row starts (the header is line 1, or later after comment lines). */
  line: number;
  values: Record<string, string>;
}

export interface ParsedCsv {
  headers: string[];
  rows: CsvRow[];
  delimiter: string;
  encoding: DecodedText["encoding"];
  /** Rows papaparse could not split (unclosed quotes, wrong field count): line and reason, in Italian. */
  malformed: { line: number; reason: string }[];
}

export class MalformedFileError extends Error {
  override name = "MalformedFileError";
}

const DELIMITERS = [";", ",", "\t", "|"];

/**
 * Parses a delimited file whose header row names the columns. Header names are
 * trimmed and stripped of a leading `#`; `normaliseHeader` maps them (e.g. to
 * lower case). Throws MalformedFileError when the file has no header or one column only.
 */
export function parseCsv(bytes: Uint8Array, normaliseHeader: (h: string) => string = (h) => h): ParsedCsv {
  const { text, encoding } = decodeText(bytes);
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new MalformedFileError("il file è vuoto");
  const parsed = Papa.parse<string[]>(body, { delimitersToGuess: DELIMITERS, skipEmptyLines: "greedy" });
  const data = parsed.data;
  const delimiter = parsed.meta.delimiter;
  const first = data[0];
  if (!first || first.length < 2) throw new MalformedFileError("non è un file CSV con intestazione: non è stato trovato un separatore di colonne (punto e virgola, virgola, tabulazione o barra verticale)");
  const headers = first.map((h) => normaliseHeader(h.trim().replace(/^#\s*/, "").trim()));
  // Line numbers: papaparse gives none per row, so count the line breaks each row's text spans.
  const lineOfRow: number[] = [];
  {
    let line = 1;
    let inQuotes = false;
    let rowStart = true;
    let index = 0;
    for (let i = 0; i < body.length; i++) {
      const ch = body[i]!;
      if (rowStart && ch !== "\r" && ch !== "\n") {
        lineOfRow[index] = line;
        rowStart = false;
      }
      if (ch === '"') inQuotes = !inQuotes;
      else if (ch === "\n") {
        line += 1;
        if (!inQuotes && !rowStart) {
          rowStart = true;
          index += 1;
        }
      }
    }
  }
  const malformed: ParsedCsv["malformed"] = [];
  const rows: CsvRow[] = [];
  for (let i = 1; i < data.length; i++) {
    const cells = data[i]!;
    const line = lineOfRow[i] ?? i + 1;
    if (cells.length !== headers.length) {
      malformed.push({ line, reason: `la riga ha ${cells.length} campi invece di ${headers.length}` });
      continue;
    }
    rows.push({ line, values: Object.fromEntries(headers.map((h, j) => [h, (cells[j] ?? "").trim()])) });
  }
  for (const error of parsed.errors) {
    if (error.type === "Quotes") {
      const line = error.row !== undefined ? (lineOfRow[error.row] ?? error.row + 1) : 0;
      malformed.push({ line, reason: "virgolette non chiuse" });
    }
  }
  return { headers, rows, delimiter, encoding, malformed };
}

/** What an import summary says of a CSV file it read: the encoding and the delimiter found. */
export function csvNotes(csv: ParsedCsv): string[] {
  return [`codifica ${csv.encoding}`, `separatore «${csv.delimiter === "\t" ? "tabulazione" : csv.delimiter}»`];
}

/**
 * An amount as open data write it, in euro: "3841,24", "1.234.567,89",
 * "895000.0", "€ 1.000". Returns undefined when empty, NaN when unreadable.
 */
export function parseAmount(raw: string): number | undefined {
  let s = raw.replace(/[€\s\u00a0]/g, "");
  if (s === "") return undefined;
  const comma = s.lastIndexOf(",");
  const dot = s.lastIndexOf(".");
  if (comma >= 0 && dot >= 0) {
    // The later separator is the decimal one.
    s = comma > dot ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
  } else if (comma >= 0) {
    s = s.replace(",", ".");
  } else if (dot >= 0 && /^\d{1,3}(\.\d{3})+$/.test(s)) {
    // "1.234.567": dots grouping thousands, no decimals.
    s = s.replace(/\./g, "");
  }
  if (!/^-?\d+(\.\d+)?$/.test(s)) return Number.NaN;
  return Number(s);
}

/** A date as open data write it: ISO ("2023-06-26", "2023-06-26T00:00:00") or Italian, day first ("26/06/2023", "26-06-2023", "26.06.23"). */
export function parseDate(raw: string): string | undefined | null {
  const s = raw.trim();
  if (s === "") return undefined;
  let y: number, m: number, d: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  const italian = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:\s+[\d:.]+)?$/.exec(s);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (italian) {
    d = Number(italian[1]);
    m = Number(italian[2]);
    y = Number(italian[3]);
    if (italian[3]!.length === 2) y += y >= 70 ? 1900 : 2000;
  } else return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** Upper case without diacritics, apostrophes and repeated spaces: how names from different files are compared. */
export function foldName(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toUpperCase()
    .replace(/[`'’.,"]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** "CITTA' METROPOLITANA DI NAPOLI" → "Città metropolitana di Napoli"-like sentence case for names written in capitals. */
export function titleCase(text: string): string {
  if (text !== text.toUpperCase()) return text.trim();
  // Capitals written without accents mark a final stressed vowel with an apostrophe: CITTA' → Città.
  const accents: Record<string, string> = { A: "À", E: "È", I: "Ì", O: "Ò", U: "Ù" };
  text = text.replace(/\b([A-Z]{2,})([AEIOU])'(?=\s|$|[,.;:)])/g, (_, stem: string, vowel: string) => `${stem}${accents[vowel]}`);
  const small = new Set(["di", "del", "della", "dei", "degli", "delle", "e", "per", "in", "a", "da", "con", "il", "la", "lo", "le", "gli", "al", "alla"]);
  return text
    .trim()
    .toLowerCase()
    .split(/(\s+)/)
    .map((w, i) => (i > 0 && small.has(w) ? w : w.replace(/^\p{L}/u, (c) => c.toUpperCase())))
    .join("")
    .replace(/\b(S\.?p\.?a\.?|s\.?r\.?l\.?)$/i, (m) => m.toUpperCase());
}

/** A slug from any text: lower case, letters and digits, single hyphens, at most `max` characters. */
export function slugify(text: string, max = 70): string {
  const s = text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s.slice(0, max).replace(/-+$/g, "") || "voce";
}
