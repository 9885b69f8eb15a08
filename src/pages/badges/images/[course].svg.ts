import type { APIRoute } from "astro";
import { badgeImage } from "@/learning";

/** The picture of a course badge. */
export const GET: APIRoute = async ({ params }) => {
  const svg = await badgeImage(params.course ?? "");
  if (!svg) return new Response("Corso non trovato", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  return new Response(svg, { headers: { "Content-Type": "image/svg+xml; charset=utf-8", "Access-Control-Allow-Origin": "*" } });
};
