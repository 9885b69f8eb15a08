import type { APIRoute } from "astro";
import { openDataRecords, parseCatalogQuery, toJson } from "@/catalog";
import { json } from "@/lib/http";

/** The catalog as JSON with licence and field list; accepts the catalog's filters. */
export const GET: APIRoute = async ({ url }) => {
  const { query } = parseCatalogQuery(url.searchParams);
  return json(toJson(await openDataRecords(query)), { headers: { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" } });
};
