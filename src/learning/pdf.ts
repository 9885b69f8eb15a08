/** The certificate as a PDF, drawn on the server with pdf-lib; the QR code links to the verification page. */
import { PDFDocument, StandardFonts, rgb, type PDFFont } from "pdf-lib";
import QRCode from "qrcode";
import { formatDate } from "@/lib/format";
import { absoluteUrl } from "@/lib/http";
import { SITE_NAME } from "@/lib/site";
import type { Certificate } from "./certificates";

const BLUE = rgb(0, 0.4, 0.8);
const DARK = rgb(0.1, 0.13, 0.16);
const GREY = rgb(0.36, 0.4, 0.44);

/** The standard PDF fonts cover Western European text; other letters lose their accent or become "?". */
function printable(font: PDFFont, text: string): string {
  return [...text]
    .map((ch) => {
      for (const candidate of [ch, ch.normalize("NFD").replace(/\p{M}/gu, "")]) {
        try {
          font.encodeText(candidate);
          return candidate;
        } catch {
          // try the next candidate
        }
      }
      return "?";
    })
    .join("");
}

export function verificationUrl(code: string): string {
  return absoluteUrl(`/attestati/${code}`);
}

/** Builds the certificate PDF. Callers refuse revoked certificates before calling it. */
export async function certificatePdf(certificate: Certificate): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Attestato – ${certificate.courseTitle}`);
  doc.setAuthor(SITE_NAME);
  doc.setSubject(`Attestato di completamento ${certificate.code}`);
  doc.setLanguage("it-IT");
  const page = doc.addPage([842, 595]);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const { width } = page.getSize();

  const centred = (text: string, y: number, size: number, font: PDFFont, color = DARK) => {
    const safe = printable(font, text);
    let s = size;
    while (font.widthOfTextAtSize(safe, s) > width - 120 && s > 8) s -= 1;
    page.drawText(safe, { x: (width - font.widthOfTextAtSize(safe, s)) / 2, y, size: s, font, color });
  };

  page.drawRectangle({ x: 24, y: 24, width: width - 48, height: 595 - 48, borderColor: BLUE, borderWidth: 3 });
  centred(SITE_NAME.toUpperCase(), 520, 14, bold, BLUE);
  centred("Attestato di completamento", 470, 30, bold);
  centred("Si attesta che", 420, 14, regular, GREY);
  centred(certificate.holderName, 385, 26, bold);
  centred("ha completato il corso", 345, 14, regular, GREY);
  centred(certificate.courseTitle, 310, 20, bold, BLUE);
  centred(
    `Durata stimata: ${certificate.hours} ${certificate.hours === 1 ? "ora" : "ore"} · Punteggio nella verifica finale: ${certificate.score}% · Data: ${formatDate(certificate.issuedAt)}`,
    270,
    12,
    regular,
  );

  const url = verificationUrl(certificate.code);
  const qr = await doc.embedPng(await QRCode.toBuffer(url, { type: "png", margin: 1, width: 240, errorCorrectionLevel: "M" }));
  page.drawImage(qr, { x: 64, y: 56, width: 120, height: 120 });
  page.drawText(printable(bold, `Codice: ${certificate.code}`), { x: 200, y: 140, size: 12, font: bold, color: DARK });
  page.drawText("Verifica l'autenticità inquadrando il codice QR o all'indirizzo:", { x: 200, y: 118, size: 10, font: regular, color: GREY });
  page.drawText(printable(regular, url), { x: 200, y: 102, size: 10, font: regular, color: BLUE });
  return doc.save();
}
