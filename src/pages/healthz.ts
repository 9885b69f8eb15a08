import type { APIRoute } from "astro";
import { checkDatabase } from "@/lib/health";
import { json } from "@/lib/http";

/** Liveness and database check for load balancers and the test harness. */
export const GET: APIRoute = async () => {
  const database = await checkDatabase();
  const ok = database.ok;
  return json(
    { status: ok ? "ok" : "error", database: database.ok ? "ok" : "unavailable" },
    { status: ok ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
};
