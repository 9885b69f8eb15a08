import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { searchTerms, stemText, stemWord, toFtsMatch } from "@/catalog";
import { isInflection } from "@/catalog/fts";

describe("Italian stems in the catalog index", () => {
  it("gives the forms of one word one stem, accents folded", () => {
    expect(stemWord("buono")).toBe(stemWord("buoni"));
    expect(stemWord("pulizia")).toBe(stemWord("pulizie"));
    expect(stemWord("farmaco")).toBe(stemWord("farmaci"));
    expect(stemWord("attività")).toBe("attiv");
    expect(stemWord("città")).toBe("citt");
    expect(stemWord("90919200")).toBe("90919200");
  });

  it("stems a text at indexing time exactly as each searched word is stemmed at query time", () => {
    const word = fc.stringMatching(/^[a-zàèéìòù]{2,12}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (words) => {
        const text = words.join(" ");
        const indexed = new Set(stemText(text).split(" "));
        for (const term of searchTerms(text)) expect(indexed.has(stemWord(term))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("builds MATCH expressions from quoted words only, whatever the input", () => {
    expect(toFtsMatch("buono pasto")).toEqual({
      any: '({title summary description extra} : "buono"* OR {title_stems body_stems} : "buon") AND ({title summary description extra} : "pasto"* OR {title_stems body_stems} : "past")',
      exact: '{title summary description extra} : "buono"* AND {title summary description extra} : "pasto"*',
    });
    expect(toFtsMatch(`"*()^:-' della`)).toBeNull();
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const match = toFtsMatch(text);
        if (!match) return;
        // Outside the quoted terms only the expression's own syntax remains.
        const outside = match.any.replace(/"[^"]*"/g, "");
        expect(outside).toMatch(/^[\s(){}:*A-Za-z_]*$/);
        expect(outside.replace(/\{[a-z_ ]+\}|AND|OR|[\s():*]/g, "")).toBe("");
      }),
      { numRuns: 500 },
    );
  });

  it("tells another form of a word from a typo", () => {
    expect(isInflection("farmaco", "farmaci")).toBe(true);
    expect(isInflection("buono", "buoni")).toBe(true);
    expect(isInflection("servizio", "servizi")).toBe(true);
    expect(isInflection("puliza", "pulizia")).toBe(false);
    expect(isInflection("vigilamza", "vigilanza")).toBe(false);
  });
});
