import type { APIRoute } from "astro";
import { json } from "@/lib/http";
import { issuerProfile } from "@/learning";

/** Open Badges 2.0 issuer Profile. */
export const GET: APIRoute = () => json(issuerProfile(), { headers: { "Access-Control-Allow-Origin": "*" } });
