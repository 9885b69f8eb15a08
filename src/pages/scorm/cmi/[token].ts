import type { APIRoute } from "astro";
import { CommitBody, MAX_COMMIT_BYTES, recordCommit } from "@/learning";
import { isSameOrigin, json } from "@/lib/http";

/** scorm-again reads { result, errorCode }; errorCode 101 is SCORM's "general exception". */
const refused = (status: number, message: string) => json({ result: false, errorCode: 101, message }, { status, headers: { "Cache-Control": "no-store" } });

/** Every commit of the SCORM runtime (the player page's API) lands here and is written to scorm_runtime. */
export const POST: APIRoute = async ({ params, request, locals }) => {
  if (!isSameOrigin(request)) return refused(403, "Salvataggio rifiutato: la richiesta non viene da una pagina di questo sito.");
  const user = locals.user;
  if (!user) return refused(401, "La sessione è scaduta: accedi di nuovo per salvare i progressi.");
  const token = params.token ?? "";
  if (!/^[\w-]{20,64}$/.test(token)) return refused(403, "Questa sessione dell'attività non è valida: riapri l'attività dalla pagina del corso.");
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") return refused(415, "Salvataggio rifiutato: i dati devono essere in formato JSON.");
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_COMMIT_BYTES) return refused(413, "Salvataggio rifiutato: i dati dell'attività sono troppo grandi.");
  const raw = await request.text();
  if (Buffer.byteLength(raw) > MAX_COMMIT_BYTES) return refused(413, "Salvataggio rifiutato: i dati dell'attività sono troppo grandi.");
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return refused(400, "Salvataggio rifiutato: i dati non sono JSON valido.");
  }
  const parsed = CommitBody.safeParse(body);
  if (!parsed.success) return refused(400, `Salvataggio rifiutato: ${parsed.error.issues[0]?.message ?? "dati non validi"}.`);
  const outcome = await recordCommit(token, user.id, parsed.data);
  if (!outcome.ok) return refused(outcome.status, outcome.message);
  return json(
    { result: true, errorCode: 0, completed: outcome.done, certificate: outcome.certificate },
    { headers: { "Cache-Control": "no-store" } },
  );
};
