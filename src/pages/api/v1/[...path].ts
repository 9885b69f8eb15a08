import type { APIRoute } from "astro";
import { clientIp } from "@/accounts/page-action";
import { apiResponse } from "@/interop/api/http";

/** The read API (/api/v1/…): every method, so that the others get a 405 problem document. */
export const ALL: APIRoute = (context) => apiResponse(context.request, context.url, clientIp(context));
