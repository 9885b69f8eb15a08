/** What the three readers (ANAC, Consip, OCDS) turn a file into, and what an import reports. */
import type { AggregatorKind, ImportFormat, InstrumentType, ConventionStatus } from "@db/schema";

/** Where in the file something is: a line of a CSV file or a JSON Pointer into an OCDS package. */
export type Where = { line: number } | { path: string };

export interface RowIssue {
  where: Where;
  reason: string;
}

export interface SourceLabel {
  /** Publisher of the data as shown: "ANAC", "Consip", an OCDS publisher's name. */
  name: string;
  /** Its licence as shown: "CC BY 4.0". */
  licence: string;
}

export interface ImportedAggregator {
  /** Stable key of the body in the source (e.g. "anac-sa:01263370635"). */
  key: string;
  name: string;
  shortName: string;
  kind: AggregatorKind;
  region: string;
  territory: string;
}

export interface ImportedLot {
  number: number;
  name: string;
  region: string;
  territory: string;
  supplier?: string;
  /** Euro. */
  ceiling?: number;
}

export interface ImportedInstrument {
  type: "instrument";
  where: Where;
  sourceKey: string;
  aggregator: ImportedAggregator;
  /** How the source names the category (Consip's categoria_merceologica), used when no CPV code decides. */
  categoryName?: string;
  cpvCode?: string;
  instrument: InstrumentType;
  title: string;
  summary: string;
  description: string;
  cig?: string;
  status: ConventionStatus;
  publishedOn?: string;
  startDate?: string;
  endDate?: string;
  /** Euro. */
  ceiling?: number;
  used?: number;
  example: boolean;
  lots: ImportedLot[];
  delegated?: boolean;
  delegatingTaxCode?: string;
  programmeCui?: string;
}

export interface ImportedCallOff {
  type: "callOff";
  where: Where;
  sourceKey: string;
  cig: string;
  frameworkCig: string;
  title: string;
  buyerName: string;
  buyerTaxCode?: string;
  /** Euro. */
  amount?: number;
  publishedOn?: string;
  cpvCode?: string;
  delegated?: boolean;
  delegatingTaxCode?: string;
  programmeCui?: string;
}

export type ImportedEntry = ImportedInstrument | ImportedCallOff;

/** A file read by one of the readers: what to write, what was left out and why. */
export interface ParsedImport {
  format: ImportFormat;
  source: SourceLabel;
  /** Data rows (CSV) or releases (OCDS) read. */
  read: number;
  entries: ImportedEntry[];
  skipped: RowIssue[];
  rejected: RowIssue[];
  /** How the file was read (encoding, delimiter, package kind), for the summary. */
  notes: string[];
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Write the valid rows even when others are rejected (otherwise a rejected row changes nothing). */
  partial?: boolean;
  /** OCDS: import the valid releases of an invalid package, reporting the invalid ones. */
  lenient?: boolean;
}

export interface ImportResult {
  format: ImportFormat;
  source: SourceLabel;
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: RowIssue[];
  rejected: RowIssue[];
  notes: string[];
  /** Whether anything was written (false on a dry run or when a rejected row stopped an all-or-nothing import). */
  written: boolean;
  dryRun: boolean;
  /** Why nothing was written, when rejected rows stopped an all-or-nothing import. */
  refusal?: string;
  milliseconds: number;
}

/** Items written so far; `inTransaction` while the all-or-nothing transaction is open (nothing else may write then). */
export type Progress = (done: number, total: number, inTransaction: boolean) => void | Promise<unknown>;
