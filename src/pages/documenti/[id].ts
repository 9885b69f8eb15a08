import type { APIRoute } from "astro";
import { hasRole } from "@/accounts";
import { documentForDownload } from "@/catalog";
import { storedFileResponse } from "@/lib/stored-files";

/** Serves a convention document with its sniffed type, as a download under its cleaned name. */
export const GET: APIRoute = async ({ params, locals }) => {
  const found = await documentForDownload(params.id ?? "", hasRole(locals.user, "editor"));
  // An upload not yet saved with a convention is only for the editor who made it.
  const cacheControl = found?.row.conventionId === null ? "private, no-store" : "public, max-age=300";
  return storedFileResponse(found, { notFound: "Documento non trovato", cacheControl });
};
