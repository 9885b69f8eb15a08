export { runImport, readImport, ocdsSchemas, summaryLine, issueLines, whereLabel, FORMAT_LABELS, SchemasMissingError } from "./run";
export { applyImport, callOffsOf, FALLBACK_CATEGORY, importedAggregatorId, importedCategoryId } from "./apply";
export { readInput, InputError, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_MS } from "./input";
export { MalformedFileError, decodeText, parseCsv, parseAmount, parseDate } from "./text";
export type { ImportResult, ImportOptions, ParsedImport, RowIssue, Where } from "./types";
export { queueImport, importJob, recentImports, runNextImport, catalogImportJob, IMPORT_UPLOAD_MAX_BYTES, type ImportJobView } from "./jobs";
export { importForm, ImportFormSchema, IMPORT_FORM_LABELS } from "./form";
