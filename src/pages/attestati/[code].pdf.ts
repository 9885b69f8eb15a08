import type { APIRoute } from "astro";
import { certificatePdf, verifyCertificate } from "@/learning";

/** The certificate PDF; a revoked or unknown certificate is refused with a plain Italian message. */
export const GET: APIRoute = async ({ params }) => {
  const verification = await verifyCertificate(params.code ?? "");
  const text = (status: number, body: string) => new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  if (verification.status === "unknown") return text(404, "Attestato non trovato: controlla il codice.");
  if (verification.status === "revoked") return text(410, `Attestato revocato: il PDF non è più disponibile. Dettagli su /attestati/${verification.code}`);
  const pdf = await certificatePdf(verification.certificate);
  return new Response(pdf as Uint8Array<ArrayBuffer>, {
    headers: {
      "Content-Type": "application/pdf",
      "Content-Disposition": `attachment; filename="attestato-${verification.code}.pdf"`,
      "Cache-Control": "private, no-store",
    },
  });
};
