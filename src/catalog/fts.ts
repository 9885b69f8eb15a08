/**
 * Turns what a visitor typed into a safe FTS5 query. Raw input never reaches
 * MATCH: only letters and digits survive, each word becomes a quoted prefix
 * term ("pulizi"*), so operators, quotes and column filters in the input are
 * plain text.
 */

/** Short Italian function words that would match almost everything as prefixes. */
const STOPWORDS = new Set([
  "di", "da", "del", "dello", "della", "dei", "degli", "delle", "per", "con", "il", "lo", "la", "le", "gli", "un",
  "uno", "una", "ed", "in", "su", "tra", "fra", "al", "allo", "alla", "ai", "agli", "alle", "nel", "nello", "nella",
  "nei", "negli", "nelle", "sul", "sulla", "che",
]);

/** At most this many words reach the index; longer queries are cut. */
export const MAX_SEARCH_TERMS = 8;

/** The words FTS will look for (lower case, no stopwords), in order. */
export function searchTerms(text: string): string[] {
  const words = text.normalize("NFC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const kept = words.filter((w) => !STOPWORDS.has(w) && (w.length > 1 || /\d/.test(w)));
  return [...new Set(kept)].slice(0, MAX_SEARCH_TERMS);
}

/** An FTS5 MATCH expression requiring every word as a prefix, or null when nothing is searchable. */
export function toFtsQuery(text: string): string | null {
  const terms = searchTerms(text);
  return terms.length > 0 ? terms.map((t) => `"${t}"*`).join(" ") : null;
}
