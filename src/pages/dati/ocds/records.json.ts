import type { APIRoute } from "astro";
import { ocdsResponse } from "@/interop/ocds/http";

/** OCDS 1.1.5 record package (one record per ocid, with its compiled release) of the catalog, the plans and the joint initiatives; accepts the catalog's filters. */
export const GET: APIRoute = ({ request, url }) => ocdsResponse(request, url, "records");
