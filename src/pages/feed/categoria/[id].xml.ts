import type { APIRoute } from "astro";
import { feedResponse } from "@/alerts";

/** Announcements of one catalog category. */
export const GET: APIRoute = ({ params, request }) => feedResponse(params.id ? { type: "category", id: params.id } : null, request);
