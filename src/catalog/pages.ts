/** One call per catalog page that needs several read models. */
import { slugParam } from "@/lib/field-rules";
import { catalogQueryString, compareConventions, parseCatalogQuery, searchConventions, type Comparison } from "./query";
import { getCatalogFilters, getCategory } from "./read";
import { REGIONS } from "./labels";

/** The catalog page: parsed query with its messages, results and filter options. */
export async function getCatalogPage(params: URLSearchParams) {
  const { query, messages } = parseCatalogQuery(params);
  const [result, filters] = await Promise.all([searchConventions(query), getCatalogFilters()]);
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
  return { query, messages, result, filters, queryString: catalogQueryString(query) };
}


/**
 * The comparison page: national and regional instruments for a category and
 * a region, or only the form (with messages) while either is missing.
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
  const comparison: Comparison | null = category && region ? await compareConventions(category.id, region) : null;
  return { category, region, messages, comparison, filters };
}
