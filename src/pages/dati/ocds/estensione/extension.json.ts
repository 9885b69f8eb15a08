import type { APIRoute } from "astro";
import { aggregaExtensionMetadata } from "@/interop/ocds/extensions";
import { json } from "@/lib/http";

/** Metadata of Aggrega's OCDS extension, the URL declared in every package's `extensions`. */
export const GET: APIRoute = () =>
  json(aggregaExtensionMetadata(), { headers: { "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*" } });
