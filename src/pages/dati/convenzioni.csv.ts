import type { APIRoute } from "astro";
import { openDataRecords, invalidCatalogParameters, parseCatalogQuery, toCsv } from "@/catalog";

/**
 * The catalog as CSV (RFC 4180, UTF-8 with BOM); accepts the catalog's filters.
 * `?separatore=punto-e-virgola` gives the variant Excel opens in columns in the Italian locale.
 */
export const GET: APIRoute = async ({ url }) => {
  const { query, messages } = parseCatalogQuery(url.searchParams);
  if (messages.length > 0) return invalidCatalogParameters(messages, "text");
  const semicolon = url.searchParams.get("separatore") === "punto-e-virgola";
  return new Response(toCsv(await openDataRecords(query), semicolon ? ";" : ","), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": `attachment; filename="${semicolon ? "convenzioni-excel.csv" : "convenzioni.csv"}"`,
      "Cache-Control": "public, max-age=300",
    },
  });
};
