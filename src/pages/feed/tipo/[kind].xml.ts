import type { APIRoute } from "astro";
import { feedResponse, kindScope } from "@/alerts";

/** One kind of announcement (convention, planned, initiative, press, expiry). */
export const GET: APIRoute = ({ params, request }) => feedResponse(kindScope(params.kind), request);
