import type { APIRoute } from "astro";
import { feedResponse } from "@/alerts";

/** Announcements involving one aggregator. */
export const GET: APIRoute = ({ params, request }) => feedResponse(params.id ? { type: "aggregator", id: params.id } : null, request);
