import type { APIRoute } from "astro";
import { signedCredential, verifyCertificate } from "@/learning";

/** The Open Badges 3.0 credential of a certificate as a signed VC-JWT; revoked or unknown certificates are refused in Italian. */
export const GET: APIRoute = async ({ params }) => {
  const text = (status: number, body: string) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const verification = await verifyCertificate(params.code ?? "");
  if (verification.status === "unknown") return text(404, "Attestato non trovato: controlla il codice.");
  if (verification.status === "revoked") return text(410, `Attestato revocato: la credenziale non è più disponibile. Dettagli su /attestati/${verification.code}`);
  const jwt = await signedCredential(verification.code);
  if (!jwt) return text(410, `Attestato revocato: la credenziale non è più disponibile. Dettagli su /attestati/${verification.code}`);
  return new Response(jwt, {
    headers: {
      "Content-Type": "application/vc+jwt",
      "Content-Disposition": `attachment; filename="open-badge-${verification.code}.jwt"`,
      "Access-Control-Allow-Origin": "*",
      "Cache-Control": "no-cache",
    },
  });
};
