import type { APIRoute } from "astro";
import { hasRole } from "@/accounts";
import { documentForDownload } from "@/catalog";
import { contentDisposition } from "@/lib/stored-files";

/** Serves a convention document with its sniffed type, as a download under its cleaned name. */
export const GET: APIRoute = async ({ params, locals }) => {
  const found = await documentForDownload(params.id ?? "", hasRole(locals.user, "editor"));
  if (!found) {
    return new Response("Documento non trovato", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  return new Response(new Uint8Array(found.bytes), {
    headers: {
      "Content-Type": found.row.mimeType,
      "Content-Length": String(found.bytes.length),
      "Content-Disposition": contentDisposition(found.row.originalName),
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": found.row.conventionId === null ? "private, no-store" : "public, max-age=300",
      ETag: `"${found.row.sha256}"`,
    },
  });
};
