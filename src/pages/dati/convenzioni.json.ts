import type { APIRoute } from "astro";
import { openDataRecords, invalidCatalogParameters, parseCatalogQuery, toJson } from "@/catalog";
import { json } from "@/lib/http";

/** The catalog as JSON with licence and field list; accepts the catalog's filters. */
export const GET: APIRoute = async ({ url }) => {
  const { query, messages } = parseCatalogQuery(url.searchParams);
  if (messages.length > 0) return invalidCatalogParameters(messages, "json");
  return json(toJson(await openDataRecords(query)), { headers: { "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" } });
};
