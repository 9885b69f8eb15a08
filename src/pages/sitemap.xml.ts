import type { APIRoute } from "astro";
import { config } from "@/config";
import { sitemapPaths, sitemapXml } from "@/lib/sitemap";

export const GET: APIRoute = async () =>
  new Response(sitemapXml(config().siteUrl, await sitemapPaths()), {
    headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "public, max-age=3600" },
  });
