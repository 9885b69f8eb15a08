import type { APIRoute } from "astro";
import { guard } from "@/accounts";
import { assignmentCsv, assignmentReport } from "@/learning";
import { idRule } from "@/lib/field-rules";

/** The people of one assignment and their status, as CSV. */
export const GET: APIRoute = async (context) => {
  const denied = guard(context, "admin");
  if (denied) return denied;
  const id = idRule().safeParse(context.params.id);
  const report = id.success ? await assignmentReport(id.data) : null;
  if (!report) {
    return new Response("Assegnazione non trovata.\n", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(assignmentCsv(report), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="assegnazione-${report.assignment.id}-${report.assignment.courseSlug}.csv"`,
      "Cache-Control": "private, no-store",
    },
  });
};
