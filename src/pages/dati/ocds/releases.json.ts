import type { APIRoute } from "astro";
import { ocdsResponse } from "@/interop/ocds/http";

/** OCDS 1.1.5 release package of the catalog, the plans and the joint initiatives; accepts the catalog's filters. */
export const GET: APIRoute = ({ request, url }) => ocdsResponse(request, url, "releases");
