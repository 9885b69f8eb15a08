/**
 * The catalog's full-text search, in Italian.
 *
 * Raw input never reaches MATCH: only letters and digits survive, and each
 * word becomes quoted terms, so operators, quotes and column filters in the
 * input are plain text. Every word is looked for two ways:
 * - as typed, as a prefix of a word of the text ("pulizi" finds "pulizia"),
 *   with diacritics folded by the index's tokenizer ("attivita" finds "attività");
 * - by its Snowball stem ("buono" finds "buoni", "farmaco" finds "farmaci"):
 *   the index holds the stems of the text in its own columns (title_stems,
 *   body_stems), computed by `stemText` with the same stemmer and the same
 *   folding that `stemWord` applies to the query.
 * SQLite cannot run the stemmer, so the triggers of the index (migration
 * 0009_catalog_fts_stems) list the rows whose text changed in
 * catalog_search_stale, and `refreshSearchStems` stems them.
 *
 * Misspelt words get a "Forse cercavi" from the index's own vocabulary
 * (`spellingSuggestion`, over the fts5vocab table catalog_search_vocab).
 */
import { sql } from "drizzle-orm";
import { stemmer } from "@orama/stemmers/italian";
import { distance as levenshtein } from "fastest-levenshtein";
import type { Database } from "@/lib/db";
import { transactionsSettled } from "@/lib/db";
import { log } from "@/lib/log";

/** Short Italian function words that would match almost everything as prefixes. */
const STOPWORDS = new Set([
  "di", "da", "del", "dello", "della", "dei", "degli", "delle", "per", "con", "il", "lo", "la", "le", "gli", "un",
  "uno", "una", "ed", "in", "su", "tra", "fra", "al", "allo", "alla", "ai", "agli", "alle", "nel", "nello", "nella",
  "nei", "negli", "nelle", "sul", "sulla", "che",
]);

/** At most this many words reach the index; longer queries are cut. */
export const MAX_SEARCH_TERMS = 8;

/** The raw text columns of the index, and the columns holding their stems. */
const TEXT_COLUMNS = "{title summary description extra}";
const STEM_COLUMNS = "{title_stems body_stems}";

function words(text: string): string[] {
  return text.normalize("NFC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Lower case without diacritics, as the index's tokenizer (remove_diacritics 2) folds them. */
export function foldDiacritics(word: string): string {
  return word.normalize("NFD").replace(/\p{M}+/gu, "").normalize("NFC");
}

/** The Snowball (Italian) stem of one lower-case word, folded; numbers and codes are kept as they are. */
export function stemWord(word: string): string {
  if (/\d/.test(word)) return foldDiacritics(word);
  return foldDiacritics(stemmer(word));
}

/** The stems of a text, for the stem columns of the index (function words left out). */
export function stemText(text: string): string {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stemWord)
    .join(" ");
}

/** The words FTS will look for (lower case, no stopwords), in order. */
export function searchTerms(text: string): string[] {
  const kept = words(text).filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)));
  return [...new Set(kept)].slice(0, MAX_SEARCH_TERMS);
}

/** An FTS5 MATCH expression requiring every word as a prefix of the text, or null when nothing is searchable. */
export function toFtsQuery(text: string): string | null {
  const terms = searchTerms(text);
  return terms.length > 0 ? terms.map((t) => `"${t}"*`).join(" ") : null;
}

/**
 * The two MATCH expressions of a search: `any` finds a document where every
 * word occurs as typed (prefix) or by its stem; `exact` only as typed, so
 * exact-word matches can be ranked first. Null when nothing is searchable.
 */
export function toFtsMatch(text: string): { any: string; exact: string } | null {
  const terms = searchTerms(text);
  if (terms.length === 0) return null;
  const exact = terms.map((t) => `${TEXT_COLUMNS} : "${t}"*`);
  const any = terms.map((t, i) => {
    const stem = stemWord(t);
    // A word shorter than its stem's minimum would only repeat the prefix search.
    return /\d/.test(t) ? exact[i]! : `(${exact[i]} OR ${STEM_COLUMNS} : "${stem}")`;
  });
  return { any: any.join(" AND "), exact: exact.join(" AND ") };
}

/** Rows stemmed per statement batch. */
const REFRESH_BATCH = 200;

interface IndexedRow {
  id: number;
  title: string;
  summary: string;
  description: string | null;
  extra: string;
}

/**
 * Computes the stems of the index rows listed as stale and clears the list.
 * Each row is written only if its text is still the text that was stemmed
 * (one atomic batch), so a write racing with the refresh leaves the row listed.
 * Returns how many rows were stemmed.
 */
export async function refreshSearchStems(db: Database): Promise<number> {
  // A database not yet migrated to the stemmed index (its migration stems everything when it runs).
  const ready = await db.all(sql`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'catalog_search_stale'`);
  if (ready.length === 0) return 0;
  let done = 0;
  // Bounded: a row whose text keeps changing under the refresh is left listed for the next one.
  for (let pass = 0; pass < 1000; pass++) {
    const rows = await db.all<IndexedRow>(sql`SELECT f.rowid AS id, f.title, f.summary, f.description, f.extra
      FROM catalog_search_stale s JOIN conventions_fts f ON f.rowid = s.id LIMIT ${REFRESH_BATCH}`);
    const orphans = await db.all<{ id: number }>(sql`SELECT id FROM catalog_search_stale
      WHERE id NOT IN (SELECT rowid FROM conventions_fts) LIMIT ${REFRESH_BATCH}`);
    if (rows.length === 0 && orphans.length === 0) return done;
    await transactionsSettled();
    await db.batch([
      ...(orphans.length > 0 ? [db.run(sql`DELETE FROM catalog_search_stale WHERE id IN ${orphans.map((o) => o.id)}`)] : []),
      ...rows.flatMap((r) => {
        const same = sql`title IS ${r.title} AND summary IS ${r.summary} AND description IS ${r.description} AND extra IS ${r.extra}`;
        const body = `${r.summary} ${r.description ?? ""} ${r.extra}`;
        return [
          db.run(sql`UPDATE conventions_fts SET title_stems = ${stemText(r.title)}, body_stems = ${stemText(body)}
            WHERE rowid = ${r.id} AND ${same}`),
          db.run(sql`DELETE FROM catalog_search_stale WHERE id = ${r.id}
            AND EXISTS (SELECT 1 FROM conventions_fts WHERE rowid = ${r.id} AND ${same})`),
        ];
      }),
    ] as unknown as Parameters<Database["batch"]>[0]);
    done += rows.length;
    if (rows.length < REFRESH_BATCH && orphans.length < REFRESH_BATCH) return done;
  }
  return done;
}

/**
 * Before a text search: stems what changed since the last refresh. A database
 * that cannot be written here (a read replica) still answers, by the text
 * columns alone for the rows not yet stemmed.
 */
export async function ensureSearchStems(db: Database): Promise<void> {
  const pending = await db.all<{ one: number }>(sql`SELECT 1 AS one FROM catalog_search_stale LIMIT 1`);
  if (pending.length === 0) return;
  try {
    await refreshSearchStems(db);
  } catch (error) {
    log("warn", "catalog.search_stems_refresh_failed", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** The raw text columns, as the vocabulary table names them. */
const VOCAB_COLUMNS = ["title", "summary", "description", "extra"];

/** Whether some word of the index starts with `prefix` (already folded). */
async function inVocabulary(db: Database, prefix: string): Promise<boolean> {
  const rows = await db.all<{ one: number }>(sql`SELECT 1 AS one FROM catalog_search_vocab
    WHERE term >= ${prefix} AND term < ${`${prefix}\u{10FFFF}`} AND col IN ${VOCAB_COLUMNS} LIMIT 1`);
  return rows.length > 0;
}

/** Edits allowed between a typed word and a suggestion: one for short words, two from six letters. */
function maxEdits(word: string): number {
  return word.length >= 6 ? 2 : 1;
}

const VOWELS = new Set(["a", "e", "i", "o", "u"]);

/**
 * Whether two words look like forms of one Italian word rather than a typo:
 * they differ only in the final vowel (buono/buoni, pulizia/pulizie) or by the
 * -io/-i plural (servizio/servizi).
 */
export function isInflection(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length && a.slice(0, -1) === b.slice(0, -1)) return VOWELS.has(a.at(-1)!) && VOWELS.has(b.at(-1)!);
  const [shorter, longer] = a.length < b.length ? [a, b] : [b, a];
  return longer.endsWith("io") && longer.slice(0, -1) === shorter;
}

/**
 * "Forse cercavi": the search text with every word that no indexed word starts
 * with replaced by the nearest word of the index's own vocabulary (Levenshtein
 * distance, ties to the more frequent word). A word that is only another form
 * of an indexed word (`isInflection`) is not corrected: its stem finds it.
 * Null when every word is known or no close word exists. Numbers and codes are
 * never corrected.
 */
export async function spellingSuggestion(db: Database, text: string): Promise<string | null> {
  const terms = searchTerms(text);
  if (terms.length === 0) return null;
  let changed = false;
  const corrected: string[] = [];
  for (const term of terms) {
    const folded = foldDiacritics(term);
    if (/\d/.test(term) || folded.length < 3 || (await inVocabulary(db, folded))) {
      corrected.push(term);
      continue;
    }
    const edits = maxEdits(folded);
    // Typos rarely touch the first letter: comparing only words that share it keeps the scan small.
    const candidates = await db.all<{ term: string; docs: number }>(sql`SELECT term, sum(doc) AS docs FROM catalog_search_vocab
      WHERE term >= ${folded[0]!} AND term < ${`${folded[0]!}\u{10FFFF}`} AND col IN ${VOCAB_COLUMNS}
        AND length(term) BETWEEN ${folded.length - edits} AND ${folded.length + edits}
      GROUP BY term`);
    const stem = stemWord(folded);
    if (candidates.some((c) => isInflection(folded, c.term) && stemWord(c.term) === stem)) {
      // Another form of a known word ("farmaco" for "farmaci"): the stems already find it.
      corrected.push(term);
      continue;
    }
    let best: { term: string; distance: number; docs: number } | null = null;
    for (const c of candidates) {
      if (/\d/.test(c.term)) continue;
      const d = levenshtein(folded, c.term);
      if (d > edits) continue;
      const docs = Number(c.docs);
      if (!best || d < best.distance || (d === best.distance && docs > best.docs)) best = { term: c.term, distance: d, docs };
    }
    if (best) {
      corrected.push(best.term);
      changed = true;
    } else {
      corrected.push(term);
    }
  }
  return changed ? corrected.join(" ") : null;
}
