import type { APIRoute } from "astro";
import { ocdsResponse } from "@/interop/ocds/http";

/** OCDS 1.1.5 releases as JSON Lines (one release per line, for bulk consumers) of the catalog, the plans and the joint initiatives; accepts the catalog's filters. */
export const GET: APIRoute = ({ request, url }) => ocdsResponse(request, url, "jsonl");
