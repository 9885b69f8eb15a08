import type { APIRoute } from "astro";
import { conventionCalendar, invalidCatalogParameters, parseCatalogQuery } from "@/catalog";

/** Upcoming start dates and expiries, filtered like the catalog (invalid parameters are refused with 400, as the catalog page refuses them). */
export const GET: APIRoute = async ({ url }) => {
  const { query, messages } = parseCatalogQuery(url.searchParams);
  if (messages.length > 0) return invalidCatalogParameters(messages, "text");
  return new Response(await conventionCalendar(query), {
    headers: {
      "Content-Type": "text/calendar; charset=utf-8",
      "Content-Disposition": 'inline; filename="convenzioni.ics"',
      "Cache-Control": "public, max-age=300",
    },
  });
};
