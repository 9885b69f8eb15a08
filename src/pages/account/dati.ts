import type { APIRoute } from "astro";
import { exportUserData, guard } from "@/accounts";

/** The signed-in person's data as a JSON download. */
export const GET: APIRoute = async (context) => {
  const denied = guard(context, "learner");
  if (denied) return denied;
  const data = await exportUserData(context.locals.user!.id);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(JSON.stringify(data, null, 2), {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="aggrega-dati-${day}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
