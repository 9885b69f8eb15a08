/** One import from bytes to catalog: the reader of the format, then the writer; and how its outcome is told. */
import path from "node:path";
import type { ImportFormat } from "@db/schema";
import { config } from "@/config";
import { todayInItaly } from "@/lib/dates";
import { loadOcdsSchemas, type OcdsSchemas } from "../ocds/validate";
import { parseAnacCig } from "./anac";
import { applyImport, type ApplyContext } from "./apply";
import { parseConsipBandi } from "./consip";
import { parseOcds } from "./ocds";
import { MalformedFileError } from "./text";
import type { ImportOptions, ImportResult, ParsedImport, RowIssue, Where } from "./types";

export const FORMAT_LABELS: Record<ImportFormat, string> = {
  "anac-cig": "ANAC – CIG (CSV)",
  "consip-bandi": "Consip – bandi e gare (CSV)",
  ocds: "OCDS – release o record package (JSON)",
};

const schemaCache = new Map<string, Promise<OcdsSchemas>>();

/** The official OCDS schemas from `dir` (or OCDS_SCHEMAS_DIR); a clear MalformedFileError-like message when missing. */
export async function ocdsSchemas(dir = config().OCDS_SCHEMAS_DIR): Promise<OcdsSchemas> {
  if (!dir) throw new SchemasMissingError("per importare pacchetti OCDS servono gli schemi ufficiali OCDS 1.1.5: indica la cartella con --schemas o con OCDS_SCHEMAS_DIR");
  const resolved = path.resolve(dir);
  let pending = schemaCache.get(resolved);
  if (!pending) {
    pending = loadOcdsSchemas(resolved);
    schemaCache.set(resolved, pending);
    pending.catch(() => schemaCache.delete(resolved));
  }
  try {
    return await pending;
  } catch {
    throw new SchemasMissingError(`la cartella ${resolved} non contiene gli schemi OCDS 1.1.5 (release-schema.json, release-package-schema.json, record-package-schema.json, versioned-release-validation-schema.json, codelists/)`);
  }
}

export class SchemasMissingError extends Error {
  override name = "SchemasMissingError";
}

export interface ReadOptions extends ImportOptions {
  schemasDir?: string;
  today?: string;
}

/** Reads a file in the given format; throws MalformedFileError (the file) or SchemasMissingError (the setup). */
export async function readImport(format: ImportFormat, bytes: Uint8Array, options: ReadOptions = {}): Promise<ParsedImport> {
  if (bytes.byteLength === 0) throw new MalformedFileError("il file è vuoto");
  switch (format) {
    case "anac-cig":
      return parseAnacCig(bytes);
    case "consip-bandi":
      return parseConsipBandi(bytes, options.today ?? todayInItaly());
    case "ocds":
      return parseOcds(bytes, await ocdsSchemas(options.schemasDir), { lenient: options.lenient });
  }
}

export async function runImport(format: ImportFormat, bytes: Uint8Array, options: ReadOptions = {}, ctx: ApplyContext = {}): Promise<ImportResult> {
  const startedAt = ctx.startedAt ?? performance.now();
  const parsed = await readImport(format, bytes, options);
  return applyImport(parsed, options, { ...ctx, startedAt });
}

export function whereLabel(where: Where): string {
  return "line" in where ? `riga ${where.line}` : where.path;
}

/** "letti 20, creati 1, aggiornati 0, invariati 0, saltati 19, scartati 0" (the CLI adds the time). */
export function summaryLine(r: ImportResult): string {
  const counts = `letti ${r.read}, creati ${r.created}, aggiornati ${r.updated}, invariati ${r.unchanged}, saltati ${r.skipped.length}, scartati ${r.rejected.length}`;
  const state = r.refusal ? ` – ${r.refusal}` : r.dryRun ? " – prova (--dry-run): nessuna modifica salvata" : "";
  return `${counts}${state}`;
}

/** The rejected (or skipped) rows, one per line, in file order. */
export function issueLines(issues: RowIssue[]): string[] {
  const order = (w: Where) => ("line" in w ? w.line : Number(/\d+/.exec(w.path)?.[0] ?? 0));
  return [...issues].sort((a, b) => order(a.where) - order(b.where)).map((i) => `${whereLabel(i.where)}: ${i.reason}`);
}
