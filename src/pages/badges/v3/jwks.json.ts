import type { APIRoute } from "astro";
import { json } from "@/lib/http";
import { credentialJwks } from "@/learning";

/** The public keys that sign Open Badges 3.0 credentials, as a JWK Set. */
export const GET: APIRoute = async () => json(await credentialJwks(), { headers: { "Access-Control-Allow-Origin": "*" } });
