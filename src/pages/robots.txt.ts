import type { APIRoute } from "astro";
import { config } from "@/config";
import { robotsTxt } from "@/lib/sitemap";

export const GET: APIRoute = () =>
  new Response(robotsTxt(config().siteUrl), { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600" } });
