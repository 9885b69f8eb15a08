import type { APIRoute } from "astro";
import { aggregaReleaseSchemaPatch } from "@/interop/ocds/extensions";
import { json } from "@/lib/http";

/** The release schema patch (JSON Merge Patch) of Aggrega's OCDS extension. */
export const GET: APIRoute = () =>
  json(aggregaReleaseSchemaPatch(), { headers: { "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*" } });
