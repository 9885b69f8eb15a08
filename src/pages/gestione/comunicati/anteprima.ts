import type { APIRoute } from "astro";
import { z } from "zod";
import { guard } from "@/accounts";
import { isSameOrigin, json } from "@/lib/http";
import { renderMarkdown } from "@/press";

const PreviewRequest = z.object({ markdown: z.string().max(20_000) });

/** Live preview for the editor: Markdown in, sanitised HTML out. Same origin and editors only. */
export const POST: APIRoute = async (context) => {
  if (!isSameOrigin(context.request, context.url)) return json({ error: "Richiesta non consentita" }, { status: 403 });
  const denied = guard(context, "editor");
  if (denied) return denied;
  let body: unknown;
  try {
    body = await context.request.json();
  } catch {
    return json({ error: "Il corpo della richiesta deve essere JSON." }, { status: 400 });
  }
  const parsed = PreviewRequest.safeParse(body);
  if (!parsed.success) return json({ error: "Testo mancante o troppo lungo (massimo 20.000 caratteri)." }, { status: 400 });
  return json({ html: renderMarkdown(parsed.data.markdown) }, { headers: { "Cache-Control": "no-store" } });
};
