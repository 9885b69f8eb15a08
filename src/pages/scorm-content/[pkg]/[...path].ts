import type { APIRoute } from "astro";
import { hasRole } from "@/accounts";
import { scormContent } from "@/learning";

const text = (message: string, status: number) => new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

/**
 * A file of a SCORM package, to the learners of its course. The path is
 * read from the raw URL and looked up exactly among the files the import
 * stored: "..", backslashes and the like never match anything.
 */
export const GET: APIRoute = async ({ url, locals }) => {
  const rest = url.pathname.slice("/scorm-content/".length);
  const slash = rest.indexOf("/");
  if (slash < 0) return text("File non trovato", 404);
  let path: string;
  try {
    path = rest
      .slice(slash + 1)
      .split("/")
      .map((segment) => decodeURIComponent(segment))
      .join("/");
  } catch {
    return text("File non trovato", 404);
  }
  const user = locals.user;
  const answer = await scormContent(rest.slice(0, slash), path, user ? { id: user.id, staff: hasRole(user, "admin") } : null);
  if (answer.status === "forbidden") return text("Per aprire questo contenuto accedi e iscriviti al corso.", 403);
  if (answer.status !== "ok") return text("File non trovato", 404);
  return new Response(new Uint8Array(answer.bytes), {
    headers: {
      "Content-Type": answer.contentType,
      "Content-Length": String(answer.bytes.length),
      "Cache-Control": "private, max-age=300",
      ...(answer.contentType === "application/octet-stream" ? { "Content-Disposition": "attachment" } : {}),
    },
  });
};
