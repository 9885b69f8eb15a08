import type { APIRoute } from "astro";
import { hasRole } from "@/accounts";
import { attachmentForDownload, contentDisposition } from "@/press";

/** Serves an attachment with its sniffed type, as a download under a cleaned name. */
export const GET: APIRoute = async ({ params, locals }) => {
  const found = await attachmentForDownload(params.id ?? "", hasRole(locals.user, "editor"));
  if (!found) {
    return new Response("Allegato non trovato", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(new Uint8Array(found.bytes), {
    headers: {
      "Content-Type": found.row.mimeType,
      "Content-Length": String(found.bytes.length),
      "Content-Disposition": contentDisposition(found.row.originalName),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "private, max-age=300",
      ETag: `"${found.row.sha256}"`,
    },
  });
};
