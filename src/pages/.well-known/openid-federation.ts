import type { APIRoute } from "astro";
import { entityConfiguration } from "@/accounts";

/** The site's entity configuration for the SPID/CIE OpenID Connect Federation. */
export const GET: APIRoute = async () =>
  new Response(await entityConfiguration(), {
    headers: { "Content-Type": "application/entity-statement+jwt", "Cache-Control": "public, max-age=3600" },
  });
