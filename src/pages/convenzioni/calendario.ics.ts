import type { APIRoute } from "astro";
import { conventionCalendar, parseCatalogQuery } from "@/catalog";

/** Upcoming start dates and expiries, filtered like the catalog (bad parameters are ignored, as there). */
export const GET: APIRoute = async ({ url }) => {
  const { query } = parseCatalogQuery(url.searchParams);
  return new Response(await conventionCalendar(query), {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="convenzioni.ics"',
      "Cache-Control": "public, max-age=300",
    },
  });
};
