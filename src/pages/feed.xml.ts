import type { APIRoute } from "astro";
import { feedResponse } from "@/alerts";

/** Every announcement: new conventions, planned and joint initiatives, press releases, expiry warnings. */
export const GET: APIRoute = ({ request }) => feedResponse({ type: "all" }, request);
