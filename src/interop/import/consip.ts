/**
 * Consip's "bandi e gare" open data (one row per lot of a call; layout in
 * ../shared/fixtures/procurement/consip/LAYOUT.md): Latin-1 or UTF-8, `,` or
 * `;`, a `#` before the first header, decimal commas and Italian dates.
 * Conventions, framework agreements and SDAPA calls become instruments of
 * Consip (one per call, its rows as lots); MePA calls are skipped. There is no
 * CIG: a call is known by its name. `identificativo_lotto` is not unique: a
 * row repeating an earlier one of the same call is skipped as a duplicate, a
 * different lot with a repeated identifier keeps both.
 */
import { createHash } from "node:crypto";
import type { InstrumentType } from "@db/schema";
import { NATIONAL_REGION } from "@/catalog";
import { cut, regionIn } from "./common";
import { csvNotes, foldName, MalformedFileError, parseAmount, parseCsv, parseDate } from "./text";
import type { ImportedInstrument, ImportedLot, ParsedImport, RowIssue } from "./types";

export const CONSIP_SOURCE = { name: "Consip", licence: "CC BY 4.0" };

/** Consip, the national aggregator, as the seeds name it (the importer finds the seeded row by this id). */
export const CONSIP_AGGREGATOR = { key: "consip", name: "Consip S.p.A.", shortName: "Consip", kind: "national" as const, region: NATIONAL_REGION, territory: "Italia" };

/** Raw headers (`#Denominazione_Bando`, `Data Pubblicazione`) to the normalised names of the layout notes. */
export function consipHeader(raw: string): string {
  return raw
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const REQUIRED = ["denominazione_bando", "tipo_strumento"];

function instrumentOf(raw: string): InstrumentType | "mepa" | null {
  const t = foldName(raw);
  if (t.includes("MEPA") || t.includes("MERCATO ELETTRONICO")) return "mepa";
  if (t.includes("SDAPA") || t.includes("DINAMICO")) return "sda";
  if (t.includes("ACCORDO QUADRO")) return "accordo_quadro";
  if (t.includes("CONVENZIONE")) return "convenzione";
  return null;
}

interface Call {
  first: { line: number; values: Record<string, string> };
  instrument: InstrumentType;
  lots: (ImportedLot & { id: string; line: number; fingerprint: string; used?: number })[];
}

export function parseConsipBandi(bytes: Uint8Array, today: string): ParsedImport {
  const csv = parseCsv(bytes, consipHeader);
  const missing = REQUIRED.filter((c) => !csv.headers.includes(c));
  if (missing.length > 0) throw new MalformedFileError(`non è un file «bandi e gare» di Consip: mancano le colonne ${missing.join(", ")}`);
  const skipped: RowIssue[] = [];
  const rejected: RowIssue[] = csv.malformed.map((m) => ({ where: { line: m.line }, reason: m.reason }));
  const calls = new Map<string, Call>();

  for (const { line, values: v } of csv.rows) {
    const where = { line };
    const name = (v.denominazione_bando ?? "").trim();
    if (name.length < 5) {
      rejected.push({ where, reason: "manca la denominazione del bando (denominazione_bando)" });
      continue;
    }
    const instrument = instrumentOf(v.tipo_strumento ?? "");
    if (instrument === "mepa") {
      skipped.push({ where, reason: `«${cut(name, 80)}»: bando del MePA, un mercato elettronico e non uno strumento del catalogo` });
      continue;
    }
    if (!instrument) {
      skipped.push({ where, reason: `«${cut(name, 80)}»: tipo di strumento «${v.tipo_strumento || "non indicato"}» non previsto dal catalogo` });
      continue;
    }
    const problems: string[] = [];
    const money = (field: string) => {
      const n = parseAmount(v[field] ?? "");
      if (n !== undefined && (Number.isNaN(n) || n < 0)) problems.push(`${field} «${v[field]}» non è un importo`);
      return n !== undefined && !Number.isNaN(n) ? n : undefined;
    };
    const ceiling = money("importo_massimale") ?? money("base_asta");
    const erosion = parseAmount(v.percentuale_erosione ?? "");
    if (erosion !== undefined && (Number.isNaN(erosion) || erosion < 0)) problems.push(`percentuale_erosione «${v.percentuale_erosione}» non è una percentuale`);
    for (const field of ["data_pubblicazione", "data_aggiudicazione", "data_attivazione", "data_termine"]) {
      if (parseDate(v[field] ?? "") === null) problems.push(`${field} «${v[field]}» non è una data`);
    }
    if (problems.length > 0) {
      rejected.push({ where, reason: `«${cut(name, 80)}»: ${problems.join("; ")}` });
      continue;
    }
    const key = foldName(name);
    let call = calls.get(key);
    if (!call) calls.set(key, (call = { first: { line, values: v }, instrument, lots: [] }));
    const lotName = (v.denominazione_lotto ?? "").trim() || `Lotto ${call.lots.length + 1}`;
    const lotId = (v.identificativo_lotto ?? "").trim();
    const fingerprint = JSON.stringify(Object.entries(v).filter(([k]) => k !== "anno_riferimento"));
    const twin = call.lots.find((l) => l.fingerprint === fingerprint || (l.id === lotId && foldName(l.name) === foldName(lotName)));
    if (twin) {
      skipped.push({ where, reason: `lotto ${lotId ? `«${lotId}» ` : ""}già letto alla riga ${twin.line}: riga ripetuta` });
      continue;
    }
    const stated = /\blotto\s*(?:n\.?\s*)?(\d{1,4})\b/i.exec(lotName)?.[1];
    const taken = new Set(call.lots.map((l) => l.number));
    let number = stated && !taken.has(Number(stated)) && Number(stated) > 0 ? Number(stated) : 0;
    if (number === 0) for (number = 1; taken.has(number); number++);
    call.lots.push({
      id: lotId,
      line,
      fingerprint,
      number,
      name: cut(lotName, 200).length >= 2 ? cut(lotName, 200) : `Lotto ${number}`,
      region: regionIn(lotName) ?? NATIONAL_REGION,
      territory: v.tipologia_lotto ?? "",
      ceiling,
      used: ceiling !== undefined && erosion !== undefined ? Math.min(ceiling, (ceiling * erosion) / 100) : undefined,
    });
  }

  const entries: ImportedInstrument[] = [];
  for (const [key, call] of calls) {
    const v = call.first.values;
    const date = (field: string) => parseDate(v[field] ?? "") ?? undefined;
    const ceilings = call.lots.map((l) => l.ceiling);
    const ceiling = ceilings.every((c) => c !== undefined) ? ceilings.reduce((a, b) => a! + b!, 0) : undefined;
    const useds = call.lots.map((l) => l.used);
    const used = ceiling !== undefined && useds.every((u) => u !== undefined) ? useds.reduce((a, b) => a! + b!, 0) : undefined;
    const endDate = date("data_termine");
    const started = date("data_attivazione") ?? date("data_aggiudicazione");
    const status = endDate && endDate < today && started ? "expired" : used !== undefined && ceiling && used >= ceiling ? "exhausted" : started ? "active" : "tender_in_progress";
    const details = [
      v.tipo_procedura ? `Procedura: ${v.tipo_procedura}.` : "",
      v.criterio_aggiudicazione ? `Criterio di aggiudicazione: ${v.criterio_aggiudicazione}.` : "",
      v.verde && /^(s|si|sì|1|true)$/i.test(v.verde) ? "Iniziativa verde (criteri ambientali minimi)." : "",
      v.flag_obbligatoria_facoltativa ? `Adesione: ${v.flag_obbligatoria_facoltativa.toLowerCase()}.` : "",
      v.numero_operatori_economici_aggiudicatari_abilitati ? `Operatori economici aggiudicatari o abilitati: ${v.numero_operatori_economici_aggiudicatari_abilitati}.` : "",
    ].filter(Boolean);
    entries.push({
      type: "instrument",
      where: { line: call.first.line },
      sourceKey: `consip-bando:${createHash("sha256").update(key).digest("hex").slice(0, 20)}`,
      aggregator: CONSIP_AGGREGATOR,
      categoryName: v.categoria_merceologica || undefined,
      instrument: call.instrument,
      title: cut(v.denominazione_bando!, 300),
      summary: cut(`${v.tipo_strumento} Consip${v.categoria_merceologica ? `, categoria «${v.categoria_merceologica}»` : ""}, ${call.lots.length === 1 ? "un lotto" : `${call.lots.length} lotti`}.`, 1000),
      description: details.join(" "),
      status,
      publishedOn: date("data_pubblicazione"),
      startDate: started,
      endDate: endDate && started && endDate >= started ? endDate : undefined,
      ceiling,
      used,
      example: false,
      lots: call.lots.map(({ number, name, region, territory, ceiling: c }) => ({ number, name, region, territory, ceiling: c })),
    });
  }
  return {
    format: "consip-bandi",
    source: CONSIP_SOURCE,
    read: csv.rows.length + csv.malformed.length,
    entries,
    skipped,
    rejected,
    notes: csvNotes(csv),
  };
}
