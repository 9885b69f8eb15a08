import type { APIRoute } from "astro";
import { hasRole } from "@/accounts";
import { attachmentForDownload } from "@/press";
import { storedFileResponse } from "@/lib/stored-files";

/** Serves an attachment with its sniffed type, as a download under a cleaned name. */
export const GET: APIRoute = async ({ params, locals }) => {
  const found = await attachmentForDownload(params.id ?? "", hasRole(locals.user, "editor"));
  return storedFileResponse(found, { notFound: "Allegato non trovato", cacheControl: "private, max-age=300" });
};
