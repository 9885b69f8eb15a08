/** One call per catalog page that needs several read models. */
import { z } from "zod";
import { slugParam } from "@/lib/field-rules";
import { getDb } from "@/lib/db";
import { spellingSuggestion } from "./fts";
import { catalogQueryString, parseCatalogQuery, type CatalogQuery } from "./params";
import { catalogFacets, countConventions, relaxations, searchConventions, type CatalogFacets, type Relaxation, type SearchResult } from "./search";
import { compareLots, type LotComparison } from "./lots";
import { getCatalogFilters, getCategory } from "./read";
import { REGIONS } from "./labels";

/** "Forse cercavi": the corrected text, the search it runs and how much that finds. */
export interface CatalogSuggestion {
  text: string;
  query: CatalogQuery;
  total: number;
}

export interface CatalogPage {
  query: CatalogQuery;
  /** Invalid parameters: the search is not run while there are any. */
  errors: string[];
  /** Notes about a search that ran (page beyond the last, unknown category…). */
  messages: string[];
  result: SearchResult;
  filters: Awaited<ReturnType<typeof getCatalogFilters>>;
  facets: CatalogFacets | null;
  suggestion: CatalogSuggestion | null;
  /** For a search that found nothing: which filter to remove, and what that finds. */
  relaxations: Relaxation[];
  queryString: string;
}

const NO_RESULT: SearchResult = { items: [], total: 0, page: 1, pageCount: 1, pageOutOfRange: false };

/**
 * The catalog page: parsed query, results, facet counts and filter options;
 * "Forse cercavi" for words the index does not know, and ways to widen a
 * search that found nothing. Invalid parameters stop the search with errors.
 */
export async function getCatalogPage(params: URLSearchParams): Promise<CatalogPage> {
  const { query, messages: errors } = parseCatalogQuery(params);
  const messages: string[] = [];
  const filters = await getCatalogFilters();
  const queryString = catalogQueryString(query);
  if (errors.length > 0) {
    return { query, errors, messages, result: NO_RESULT, filters, facets: null, suggestion: null, relaxations: [], queryString };
  }
  const db = await getDb();
  const [result, facets, corrected] = await Promise.all([
    searchConventions(query),
    catalogFacets(query),
    query.q ? spellingSuggestion(db, query.q) : null,
  ]);
  let suggestion: CatalogSuggestion | null = null;
  if (corrected) {
    const suggested: CatalogQuery = { ...query, q: corrected, page: 1 };
    const total = await countConventions(suggested);
    if (total > 0) suggestion = { text: corrected, query: suggested, total };
  }
  const names = {
    category: filters.categories.find((c) => c.id === query.categoryId)?.name,
    aggregator: filters.aggregators.find((a) => a.id === query.aggregatorId)?.name,
  };
  const widen = result.total === 0 ? await relaxations(query, { names }) : [];
  if (result.pageOutOfRange) {
    messages.push(
      result.total > 0
        ? `La pagina ${query.page} non esiste: viene mostrata l'ultima pagina, la ${result.page}.`
        : `La pagina ${query.page} non esiste.`,
    );
  }
  if (query.categoryId && !filters.categories.some((c) => c.id === query.categoryId)) {
    messages.push("La categoria indicata non esiste: nessuna convenzione le appartiene.");
  }
  if (query.aggregatorId && !filters.aggregators.some((a) => a.id === query.aggregatorId)) {
    messages.push("Il soggetto aggregatore indicato non esiste: nessuna convenzione gli appartiene.");
  }
  return { query, errors, messages, result, filters, facets, suggestion, relaxations: widen, queryString };
}


/**
 * The comparison page: the national and regional lots for a category and a
 * region, row by row, or only the form (with messages) while either is missing.
 */
export async function getComparisonPage(params: URLSearchParams) {
  const messages: string[] = [];
  const categoria = params.get("categoria")?.trim() || undefined;
  const regione = params.get("regione")?.trim() || undefined;
  const region = regione ? REGIONS.find((r) => r.toLowerCase() === regione.toLowerCase()) : undefined;
  if (regione && !region) messages.push("La regione indicata non esiste: scegline una dall'elenco.");
  const validCategory = categoria !== undefined && slugParam.safeParse(categoria).success;
  const [filters, category] = await Promise.all([getCatalogFilters(), validCategory ? getCategory(categoria) : null]);
  if (categoria && !category) messages.push("La categoria indicata non esiste: scegline una dall'elenco.");
  const comparison: LotComparison | null = category && region ? await compareLots(category.id, category.name, region) : null;
  return { category, region, messages, comparison, filters };
}

/**
 * The answer of the open data and calendar endpoints to invalid catalog
 * parameters: 400 with the Italian messages, never a file of the whole
 * catalog as if the filter had been applied. JSON clients get JSON.
 */
export function invalidCatalogParameters(messages: string[], format: "text" | "json"): Response {
  const headers = { "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*" };
  if (format === "json") {
    return new Response(JSON.stringify({ errori: messages }), { status: 400, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" } });
  }
  const body = `Parametri della ricerca non validi:\n${messages.map((m) => `- ${m}`).join("\n")}\n`;
  return new Response(body, { status: 400, headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
}
