import type { APIRoute } from "astro";
import { openDataRecords, parseCatalogQuery, toCsv } from "@/catalog";

/** The catalog as CSV (RFC 4180); accepts the catalog's filters. */
export const GET: APIRoute = async ({ url }) => {
  const { query } = parseCatalogQuery(url.searchParams);
  return new Response(toCsv(await openDataRecords(query)), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": 'attachment; filename="convenzioni.csv"',
      "Cache-Control": "public, max-age=300",
    },
  });
};
