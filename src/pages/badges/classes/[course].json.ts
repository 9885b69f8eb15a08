import type { APIRoute } from "astro";
import { json } from "@/lib/http";
import { badgeClass } from "@/learning";

/** Open Badges 2.0 BadgeClass of a course. */
export const GET: APIRoute = async ({ params }) => {
  const body = await badgeClass(params.course ?? "");
  if (!body) return json({ error: "Corso non trovato" }, { status: 404 });
  return json(body, { headers: { "Access-Control-Allow-Origin": "*" } });
};
