import { readFile } from "node:fs/promises";
import path from "node:path";
import type { APIRoute } from "astro";
import { config } from "@/config";

/** The two runtime builds of scorm-again the player uses, served from the package installed with the site. */
const FILES: Record<string, string> = { "scorm12.js": "scorm12.min.js", "scorm2004.js": "scorm2004.min.js" };
const BANNER = "/*! scorm-again (https://github.com/jcputney/scorm-again) | MIT License | Copyright (c) 2020 Jonathan Putney */\n";
const cache = new Map<string, string>();

export const GET: APIRoute = async ({ params }) => {
  const built = FILES[params.file ?? ""];
  if (!built) return new Response("File non trovato", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  let body = cache.get(built);
  if (body === undefined) {
    const source = await readFile(path.join(config().root, "node_modules", "scorm-again", "dist", built), "utf8");
    body = BANNER + source.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
    cache.set(built, body);
  }
  return new Response(body, { headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=86400" } });
};
