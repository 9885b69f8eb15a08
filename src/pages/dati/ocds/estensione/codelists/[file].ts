import type { APIRoute } from "astro";
import { aggregaCodelistCsv } from "@/interop/ocds/extensions";

/** The codelist additions of Aggrega's OCDS extension (e.g. +partyRole.csv). */
export const GET: APIRoute = ({ params }) => {
  const name = params.file ?? "";
  const csv = name.startsWith("+") ? aggregaCodelistCsv(name.slice(1)) : null;
  if (csv === null) {
    return new Response("Questa estensione non definisce il codelist richiesto.\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(csv, { headers: { "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*" } });
};
