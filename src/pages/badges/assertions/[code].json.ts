import type { APIRoute } from "astro";
import { json } from "@/lib/http";
import { badgeAssertion } from "@/learning";

/** Open Badges 2.0 hosted Assertion; a revoked certificate answers with revoked: true. */
export const GET: APIRoute = async ({ params }) => {
  const body = await badgeAssertion(params.code ?? "");
  if (!body) return json({ error: "Attestato non trovato" }, { status: 404 });
  return json(body, { headers: { "Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache" } });
};
