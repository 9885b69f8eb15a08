import type { APIRoute } from "astro";
import { json } from "@/lib/http";
import { issuerProfileV3 } from "@/learning";

/** Open Badges 3.0 issuer Profile, with the public key that signs the credentials. */
export const GET: APIRoute = async () => json(await issuerProfileV3(), { headers: { "Access-Control-Allow-Origin": "*" } });
