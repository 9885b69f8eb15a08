/**
 * The certificate as a PDF, drawn on the server with pdf-lib; the QR code
 * links to the verification page.
 *
 * Text is set in Titillium Web (the site's typeface, SIL Open Font License,
 * TTF files from @expo-google-fonts/titillium-web) embedded as a subset, so
 * names such as "Ștefan Dumitrașcu" or "Łucja Żółć" come out as typed and can
 * be copied and read back (pdf-lib writes a ToUnicode map). Letters Titillium
 * lacks (Greek, Cyrillic, some Vietnamese) are set in Noto Sans (also OFL,
 * @expo-google-fonts/noto-sans), embedded only when a text needs it.
 *
 * The PDF is tagged by hand, since pdf-lib has no tagging API: every piece of
 * text is a marked-content sequence with an MCID, the structure tree
 * (StructTreeRoot → Document → H1 / P / Figure, in reading order) points at
 * them through the page's ParentTree, the frame is an Artifact, the QR code a
 * Figure with alternative text; the catalog carries /MarkInfo, /Lang it-IT
 * and the title shown in the window bar.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, PDFHexString, PDFName, PDFNumber, PDFOperator, PDFOperatorNames, rgb, type PDFFont, type PDFPage, type PDFRef } from "pdf-lib";
import QRCode from "qrcode";
import { formatDate } from "@/lib/format";
import { absoluteUrl } from "@/lib/http";
import { config } from "@/config";
import { SITE_NAME, SITE_TAGLINE } from "@/lib/site";
import { groupCode, type Certificate } from "./certificates";

const BLUE = rgb(0, 0.4, 0.8);
const DARK = rgb(0.1, 0.13, 0.16);
const GREY = rgb(0.36, 0.4, 0.44);

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: "@expo-google-fonts/titillium-web/400Regular/TitilliumWeb_400Regular.ttf",
  bold: "@expo-google-fonts/titillium-web/700Bold/TitilliumWeb_700Bold.ttf",
  fallbackRegular: "@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf",
  fallbackBold: "@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf",
} as const;
type FontName = keyof typeof FONT_FILES;

interface FontFile {
  bytes: Uint8Array;
  /** Which code points have a glyph. */
  covers: (codePoint: number) => boolean;
}

let fontFiles: Promise<Record<FontName, FontFile>> | undefined;

/** The TTF files, read and parsed once per process. */
function fonts() {
  fontFiles ??= (async () => {
    const entries = await Promise.all(
      (Object.keys(FONT_FILES) as FontName[]).map(async (name) => {
        const bytes = await readFile(require.resolve(FONT_FILES[name]));
        const parsed = fontkit.create(bytes);
        return [name, { bytes, covers: (cp: number) => parsed.hasGlyphForCodePoint(cp) }] as const;
      }),
    );
    return Object.fromEntries(entries) as unknown as Record<FontName, FontFile>;
  })().catch((error: unknown) => {
    fontFiles = undefined;
    throw error;
  });
  return fontFiles;
}

/** A weight of the certificate's type: Titillium Web, with Noto Sans for the letters it lacks. */
interface Face {
  primary: PDFFont;
  covers: (codePoint: number) => boolean;
  fallbackCovers: (codePoint: number) => boolean;
  fallback: () => Promise<PDFFont>;
}

async function face(doc: PDFDocument, primary: FontFile, fallback: FontFile): Promise<Face> {
  let embedded: Promise<PDFFont> | undefined;
  return {
    primary: await doc.embedFont(primary.bytes, { subset: true }),
    covers: primary.covers,
    fallbackCovers: fallback.covers,
    // Not subset: @pdf-lib/fontkit's subsetting drops glyphs of Noto Sans (they print blank).
    fallback: () => (embedded ??= doc.embedFont(fallback.bytes, { subset: false })),
  };
}

/** Splits a text into runs, each in the font that has its letters (the primary one when neither has them). */
async function runs(face: Face, text: string): Promise<{ text: string; font: PDFFont }[]> {
  const out: { text: string; font: PDFFont }[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const last = out.at(-1);
    // Spaces stay in the run they follow, so a word-spaced name in one script is one run.
    const font = last && /\s/.test(ch) ? last.font : face.covers(cp) || !face.fallbackCovers(cp) ? face.primary : await face.fallback();
    if (last?.font === font) last.text += ch;
    else out.push({ text: ch, font });
  }
  return out;
}

export function verificationUrl(code: string): string {
  return absoluteUrl(`/attestati/${code}`);
}

type Role = "H1" | "P" | "Figure";

/** Marked content on one page, collected into a structure tree when the document is finished. */
class Tagger {
  private readonly items: { role: Role; alt?: string }[] = [];

  constructor(private readonly page: PDFPage) {}

  /** Draws `draw` as the next element of the reading order. */
  tag(role: Role, draw: () => void, alt?: string) {
    const mcid = this.items.length;
    this.items.push({ role, alt });
    // The property list is written inline: "/P <</MCID 3>> BDC".
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.BeginMarkedContentSequence, [PDFName.of(role), `<</MCID ${mcid}>>`]));
    draw();
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
  }

  /** Draws decoration that assistive technology skips. */
  artifact(draw: () => void) {
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.BeginMarkedContent, [PDFName.of("Artifact")]));
    draw();
    this.page.pushOperators(PDFOperator.of(PDFOperatorNames.EndMarkedContent));
  }

  /** Writes StructTreeRoot, the Document element and its children, and the ParentTree of the page. */
  finish(doc: PDFDocument) {
    const { context } = doc;
    const rootRef = context.nextRef();
    const documentRef = context.nextRef();
    const kids: PDFRef[] = this.items.map((item, mcid) =>
      context.register(
        context.obj({
          Type: "StructElem",
          S: item.role,
          P: documentRef,
          Pg: this.page.ref,
          K: mcid,
          ...(item.alt ? { Alt: PDFHexString.fromText(item.alt) } : {}),
        }),
      ),
    );
    context.assign(documentRef, context.obj({ Type: "StructElem", S: "Document", P: rootRef, K: kids }));
    const parentTree = context.register(context.obj({ Nums: [0, kids] }));
    context.assign(rootRef, context.obj({ Type: "StructTreeRoot", K: documentRef, ParentTree: parentTree, ParentTreeNextKey: 1 }));
    this.page.node.set(PDFName.of("StructParents"), PDFNumber.of(0));
    this.page.node.set(PDFName.of("Tabs"), PDFName.of("S"));
    doc.catalog.set(PDFName.of("StructTreeRoot"), rootRef);
    doc.catalog.set(PDFName.of("MarkInfo"), context.obj({ Marked: true }));
  }
}

/** Builds the certificate PDF. Callers refuse revoked certificates before calling it. */
export async function certificatePdf(certificate: Certificate): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const title = `Attestato – ${certificate.courseTitle}`;
  doc.setTitle(title, { showInWindowTitleBar: true });
  doc.setAuthor(SITE_NAME);
  doc.setSubject(`Attestato di completamento di ${certificate.holderName}, codice ${groupCode(certificate.code)}`);
  doc.setLanguage("it-IT");
  doc.setCreator(`${SITE_NAME} – ${SITE_TAGLINE}`);
  const files = await fonts();
  const regular = await face(doc, files.regular, files.fallbackRegular);
  const bold = await face(doc, files.bold, files.fallbackBold);
  const page = doc.addPage([842, 595]);
  const { width, height } = page.getSize();
  const tags = new Tagger(page);

  /** One line at x (or centred, shrunk to fit the frame), in as many font runs as its letters need. */
  const write = async (role: Role, text: string, y: number, size: number, type: Face, color: ReturnType<typeof rgb>, x?: number) => {
    const parts = await runs(type, text);
    const widthAt = (s: number) => parts.reduce((sum, p) => sum + p.font.widthOfTextAtSize(p.text, s), 0);
    let s = size;
    while (x === undefined && widthAt(s) > width - 120 && s > 8) s -= 1;
    let at = x ?? (width - widthAt(s)) / 2;
    tags.tag(role, () => {
      for (const part of parts) {
        page.drawText(part.text, { x: at, y, size: s, font: part.font, color });
        at += part.font.widthOfTextAtSize(part.text, s);
      }
    });
  };
  const centred = (role: Role, text: string, y: number, size: number, type: Face, color = DARK) => write(role, text, y, size, type, color);

  tags.artifact(() => page.drawRectangle({ x: 24, y: 24, width: width - 48, height: height - 48, borderColor: BLUE, borderWidth: 3 }));
  await centred("P", `${SITE_NAME} · ${SITE_TAGLINE}`, 520, 14, bold, BLUE);
  await centred("H1", "Attestato di completamento", 470, 30, bold);
  await centred("P", "Si attesta che", 425, 14, regular, GREY);
  await centred("P", certificate.holderName, 390, 26, bold);
  let y = 360;
  if (certificate.holderOrganisation) {
    await centred("P", certificate.holderOrganisation, y, 14, regular);
    y -= 30;
  }
  await centred("P", "ha completato il corso", y, 14, regular, GREY);
  await centred("P", certificate.courseTitle, y - 35, 20, bold, BLUE);
  await centred(
    "P",
    `Durata stimata: ${certificate.hours} ${certificate.hours === 1 ? "ora" : "ore"} · Punteggio nella verifica finale: ${certificate.score}% · Data di rilascio: ${formatDate(certificate.issuedAt)}`,
    y - 70,
    12,
    regular,
  );

  const url = verificationUrl(certificate.code);
  const qr = await doc.embedPng(await QRCode.toBuffer(url, { type: "png", margin: 1, width: 240, errorCorrectionLevel: "M" }));
  const line = (text: string, x: number, lineY: number, size: number, type: Face, color = DARK) => write("P", text, lineY, size, type, color, x);
  await line(`Rilasciato da ${SITE_NAME}, ${SITE_TAGLINE.charAt(0).toLowerCase()}${SITE_TAGLINE.slice(1)} (${config().siteUrl.replace(/\/$/, "")})`, 200, 160, 10, regular, GREY);
  await line(`Codice dell'attestato: ${groupCode(certificate.code)}`, 200, 136, 12, bold);
  await line("Verifica l'autenticità inquadrando il codice QR o all'indirizzo:", 200, 116, 10, regular, GREY);
  await line(url, 200, 100, 10, regular, BLUE);
  tags.tag("Figure", () => page.drawImage(qr, { x: 64, y: 56, width: 120, height: 120 }), `Codice QR che apre la pagina di verifica dell'attestato: ${url}`);
  tags.finish(doc);
  return doc.save();
}
