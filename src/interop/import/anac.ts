/**
 * ANAC's "bando CIG" open data (one row per CIG, i.e. per lot; 61 columns, see
 * the dictionary bando-cig.csv): framework agreements and conventions become
 * instruments of the catalog; rows that cite `cig_accordo_quadro` are
 * call-offs, kept and linked to their framework by its CIG; every other row
 * is counted and skipped with the reason. Delegated purchasing (FLAG_DELEGA,
 * CF_SA_DELEGANTE) and the programme code (CUI_PROGRAMMA) are kept on both.
 * ANAC publishes the monthly files `;`-separated and the samples
 * `,`-separated: the delimiter is sniffed.
 */
import { addDays } from "@/lib/dates";
import { CIG_PATTERN, cut, kindFromName, parseFlag, regionIn, shortNameOf } from "./common";
import { csvNotes, foldName, MalformedFileError, parseAmount, parseCsv, parseDate, titleCase } from "./text";
import type { ImportedEntry, ParsedImport, RowIssue } from "./types";

export const ANAC_SOURCE = { name: "ANAC", licence: "CC BY 4.0" };

/** Columns without which a file is not an ANAC CIG file (header names compared in lower case). */
const REQUIRED = ["cig", "cig_accordo_quadro", "oggetto_gara", "modalita_realizzazione", "denominazione_amministrazione_appaltante", "cf_amministrazione_appaltante"];

export function parseAnacCig(bytes: Uint8Array): ParsedImport {
  const csv = parseCsv(bytes, (h) => h.toLowerCase());
  const missing = REQUIRED.filter((c) => !csv.headers.includes(c));
  if (missing.length > 0) {
    throw new MalformedFileError(`non è un file CIG di ANAC: mancano le colonne ${missing.join(", ")}`);
  }
  const entries: ImportedEntry[] = [];
  const skipped: RowIssue[] = [];
  const rejected: RowIssue[] = csv.malformed.map((m) => ({ where: { line: m.line }, reason: m.reason }));
  const seen = new Map<string, number>();

  for (const { line, values: v } of csv.rows) {
    const where = { line };
    const problems: string[] = [];
    const cig = (v.cig ?? "").toUpperCase();
    if (!CIG_PATTERN.test(cig)) {
      rejected.push({ where, reason: `CIG «${v.cig ?? ""}» non valido: è formato da 10 caratteri, cifre e lettere maiuscole` });
      continue;
    }
    const earlier = seen.get(cig);
    if (earlier !== undefined) {
      skipped.push({ where, reason: `CIG ${cig} già letto alla riga ${earlier}` });
      continue;
    }
    seen.set(cig, line);
    if (foldName(v.stato ?? "").includes("CANCELLAT")) {
      skipped.push({ where, reason: `CIG ${cig} cancellato${v.motivo_cancellazione ? ` (${v.motivo_cancellazione})` : ""}` });
      continue;
    }
    const frameworkCig = (v.cig_accordo_quadro ?? "").toUpperCase();
    const mode = foldName(v.modalita_realizzazione ?? "");
    const instrument = mode.includes("ACCORDO QUADRO") ? "accordo_quadro" : mode.includes("CONVENZIONE") ? "convenzione" : null;
    if (!frameworkCig && !instrument) {
      skipped.push({ where, reason: `CIG ${cig}: modalità di realizzazione «${v.modalita_realizzazione || "non indicata"}», né convenzione né accordo quadro` });
      continue;
    }
    if (frameworkCig && !CIG_PATTERN.test(frameworkCig)) problems.push(`cig_accordo_quadro «${v.cig_accordo_quadro}» non è un CIG valido`);

    const amount = parseAmount(v.importo_lotto ?? "");
    if (amount !== undefined && (Number.isNaN(amount) || amount < 0)) problems.push(`importo_lotto «${v.importo_lotto}» non è un importo`);
    const publishedOn = parseDate(v.data_pubblicazione ?? "");
    if (publishedOn === null) problems.push(`data_pubblicazione «${v.data_pubblicazione}» non è una data`);
    const outcomeDate = parseDate(v.data_comunicazione_esito ?? "");
    if (outcomeDate === null) problems.push(`data_comunicazione_esito «${v.data_comunicazione_esito}» non è una data`);
    const days = parseAmount(v.durata_prevista ?? "");
    if (days !== undefined && (Number.isNaN(days) || days < 0 || days > 36_500)) problems.push(`durata_prevista «${v.durata_prevista}» non è un numero di giorni`);
    const delegated = parseFlag(v.flag_delega);
    if (delegated === null) problems.push(`FLAG_DELEGA «${v.flag_delega}» non è un valore sì/no`);
    const title = cut(v.oggetto_lotto && v.oggetto_lotto !== v.oggetto_gara && Number(v.n_lotti_componenti ?? 1) > 1 ? `${v.oggetto_gara} – ${v.oggetto_lotto}` : v.oggetto_gara || v.oggetto_lotto || "", 300);
    if (title.length < 5) problems.push("manca l'oggetto della gara (oggetto_gara)");
    const buyer = (v.denominazione_amministrazione_appaltante ?? "").trim();
    if (buyer.length < 2) problems.push("manca la stazione appaltante (denominazione_amministrazione_appaltante)");
    if (problems.length > 0) {
      rejected.push({ where, reason: `CIG ${cig}: ${problems.join("; ")}` });
      continue;
    }
    const cpvCode = /^\d{8}-\d$/.test(v.cod_cpv ?? "") ? v.cod_cpv : undefined;
    const kept = {
      delegated: delegated ?? undefined,
      delegatingTaxCode: v.cf_sa_delegante || undefined,
      programmeCui: v.cui_programma?.trim() || undefined,
    };
    if (frameworkCig) {
      entries.push({
        type: "callOff",
        where,
        sourceKey: `anac-cig:${cig}`,
        cig,
        frameworkCig,
        title,
        buyerName: titleCase(buyer),
        buyerTaxCode: v.cf_amministrazione_appaltante || undefined,
        amount,
        publishedOn: publishedOn ?? undefined,
        cpvCode,
        ...kept,
      });
      continue;
    }
    if (!instrument) continue; // unreachable: rows that are neither were skipped above
    const region = regionIn(v.sezione_regionale ?? "") ?? regionIn(v.provincia ?? "") ?? "Italia";
    const awarded = foldName(v.esito ?? "").includes("AGGIUDICAT");
    const startDate = awarded ? (outcomeDate ?? undefined) : undefined;
    const endDate = startDate && days ? addDays(startDate, Math.round(days)) : undefined;
    const name = titleCase(buyer);
    const procedure = [v.tipo_scelta_contraente, v.oggetto_principale_contratto].filter(Boolean).map((s) => titleCase(s!).toLowerCase());
    const summary = cut(
      [
        `${instrument === "accordo_quadro" ? "Accordo quadro" : "Convenzione"}${procedure.length ? ` (${procedure.join(", ")})` : ""}, stazione appaltante ${name}.`,
        cpvCode ? `CPV ${cpvCode}${v.descrizione_cpv ? ` – ${titleCase(v.descrizione_cpv).toLowerCase()}` : ""}.` : "",
      ].filter(Boolean).join(" "),
      1000,
    );
    const description = [
      v.numero_gara ? `Numero gara ANAC ${v.numero_gara}, lotto CIG ${cig}.` : `Lotto CIG ${cig}.`,
      days ? `Durata prevista: ${Math.round(days)} giorni.` : "",
      v.denominazione_centro_costo ? `Centro di costo: ${titleCase(v.denominazione_centro_costo)}.` : "",
      kept.delegated ? `Acquisto su delega${v.denominazione_sa_delegante ? ` per conto di ${titleCase(v.denominazione_sa_delegante)}` : ""}${kept.delegatingTaxCode ? ` (codice fiscale ${kept.delegatingTaxCode})` : ""}.` : "",
      kept.programmeCui ? `Programma degli acquisti: CUI ${kept.programmeCui}.` : "",
    ].filter(Boolean).join(" ");
    entries.push({
      type: "instrument",
      where,
      sourceKey: `anac-cig:${cig}`,
      aggregator: {
        key: `anac-sa:${v.cf_amministrazione_appaltante || foldName(buyer)}`,
        name,
        shortName: shortNameOf(name),
        kind: kindFromName(buyer, region),
        region,
        territory: v.provincia ? titleCase(v.provincia) : region,
      },
      cpvCode,
      instrument,
      title,
      summary,
      description,
      cig,
      status: awarded ? "active" : "tender_in_progress",
      publishedOn: publishedOn ?? undefined,
      startDate,
      endDate,
      ceiling: amount,
      example: false,
      lots: [],
      ...kept,
    });
  }
  return {
    format: "anac-cig",
    source: ANAC_SOURCE,
    read: csv.rows.length + csv.malformed.length,
    entries,
    skipped,
    rejected,
    notes: csvNotes(csv),
  };
}
