import type { APIRoute } from "astro";
import { openDataRecords, invalidCatalogParameters, parseCatalogQuery, toCsv } from "@/catalog";

/** The catalog as CSV (RFC 4180); accepts the catalog's filters. */
export const GET: APIRoute = async ({ url }) => {
  const { query, messages } = parseCatalogQuery(url.searchParams);
  if (messages.length > 0) return invalidCatalogParameters(messages, "text");
  return new Response(toCsv(await openDataRecords(query)), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": 'attachment; filename="convenzioni.csv"',
      "Cache-Control": "public, max-age=300",
    },
  });
};
