/**
 * The CPV 2008 vocabulary with its official Italian labels (see README.md
 * beside this file for the source and licence): lookup by code and a search
 * by code prefix or by words of the label, for the back-office pickers and
 * for validating every CPV code the catalog accepts.
 */
import entries from "./cpv-2008-it.json";

export interface CpvEntry {
  /** With its check digit, e.g. 90919200-4. */
  code: string;
  label: string;
}

const VOCABULARY: readonly CpvEntry[] = (entries as [string, string][]).map(([code, label]) => ({ code, label }));
const BY_CODE = new Map(VOCABULARY.map((e) => [e.code, e]));
const BY_DIGITS = new Map(VOCABULARY.map((e) => [e.code.slice(0, 8), e]));

/** How many codes the vocabulary has (9,454). */
export const CPV_VOCABULARY_SIZE = VOCABULARY.length;

/** The entry of a full code (8 digits, a dash and the check digit), or undefined. */
export function cpvEntry(code: string): CpvEntry | undefined {
  return BY_CODE.get(code.trim());
}

/** The entry of the first eight digits of a code (with or without check digit), or undefined. */
export function cpvEntryByDigits(code: string): CpvEntry | undefined {
  return BY_DIGITS.get(code.trim().slice(0, 8));
}

const fold = (text: string) =>
  text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
const FOLDED = VOCABULARY.map((e) => ` ${fold(e.label).replace(/[^a-z0-9]+/g, " ")} `);

/** Longest search text accepted. */
export const MAX_CPV_SEARCH_LENGTH = 100;

/**
 * Codes matching `text`: by leading digits when it is a code ("909", "90919200-4"),
 * otherwise entries whose label has every word (accents folded) as the start of one of its
 * words; shorter, more general codes first. At most `limit` entries.
 */
export function searchCpv(text: string, limit = 25): { entries: CpvEntry[]; total: number } {
  const t = text.trim().slice(0, MAX_CPV_SEARCH_LENGTH);
  if (!t) return { entries: [], total: 0 };
  const digits = /^(\d{2,8})(?:-\d)?$/.exec(t.replace(/\s/g, ""));
  let found: CpvEntry[];
  if (digits) {
    found = VOCABULARY.filter((e) => e.code.startsWith(digits[1]!));
  } else {
    const words = fold(t).split(/[^a-z0-9]+/).filter((w) => w.length >= 2);
    if (words.length === 0) return { entries: [], total: 0 };
    found = VOCABULARY.filter((_, i) => words.every((w) => FOLDED[i]!.includes(` ${w}`)));
    // General codes (more trailing zeros) first, then by code.
    const depth = (code: string) => code.slice(0, 8).replace(/0+$/, "").length;
    found.sort((a, b) => depth(a.code) - depth(b.code) || a.code.localeCompare(b.code));
  }
  return { entries: found.slice(0, limit), total: found.length };
}
