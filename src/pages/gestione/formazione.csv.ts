import type { APIRoute } from "astro";
import { z } from "zod";
import { guard } from "@/accounts";
import { learningReport, reportCsv } from "@/learning";

const Query = z.object({ vista: z.enum(["corsi", "enti"]).default("corsi") });

/** The training report as CSV, per course (?vista=corsi) or per organisation (?vista=enti). */
export const GET: APIRoute = async (context) => {
  const denied = guard(context, "admin");
  if (denied) return denied;
  const query = Query.safeParse({ vista: context.url.searchParams.get("vista") ?? undefined });
  if (!query.success) {
    return new Response("Parametro «vista» non valido: usa corsi oppure enti.", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  const csv = reportCsv(await learningReport(), query.data.vista);
  return new Response(csv, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="formazione-${query.data.vista}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
};
