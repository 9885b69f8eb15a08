/**
 * The catalog domain: aggregators, categories, conventions and other
 * instruments, joint initiatives, activity plans and tools.
 * Pages import from here; the alerts engine uses the query functions.
 */
export {
  parseCatalogQuery,
  catalogQueryString,
  hasFilters,
  CATALOG_PAGE_SIZE,
  MAX_QUERY_LENGTH,
  EXPIRING_DAYS,
  SORTS,
  SORT_LABELS,
  DATE_PARAMS,
  MAX_SUPPLIER_LENGTH,
  defaultSort,
  searchCode,
  type CatalogQuery,
  type CatalogSort,
} from "./params";
export {
  searchConventions,
  conventionSummaries,
  conventionMatchesQuery,
  compareConventions,
  catalogFacets,
  countConventions,
  relaxations,
  type CatalogFacets,
  type Relaxation,
  type ConventionSummary,
  type LotSummary,
  type SearchResult,
  type Comparison,
} from "./search";
export {
  getCatalogFilters,
  listAggregators,
  listInitiatives,
  getInitiative,
  getPlansPage,
  listTools,
  getAggregatorPage,
  getConventionPage,
  getCategory,
  type InitiativeSummary,
  type Plan,
  type PlanItem,
} from "./read";
export { saveConvention, saveInitiative, savePlan, saveAggregator, saveCategory, CatalogWriteError, type WriteOptions, type WriteResult } from "./write";
export { ConventionSeed, type ConventionInput } from "./seed-schema";
export * from "./labels";
export { searchTerms, toFtsQuery, toFtsMatch, stemWord, stemText, spellingSuggestion, refreshSearchStems } from "./fts";
export { openDataRecords, toCsv, toJson, conventionCalendar, OPEN_DATA_FIELDS, OPEN_DATA_LICENCE, type OpenDataField } from "./opendata";
export { getCatalogPage, getComparisonPage, invalidCatalogParameters, type CatalogPage, type CatalogSuggestion } from "./pages";
export { purchaseGuide, type PurchaseGuide } from "./purchase";
export { catalogSeed } from "./seed";
export {
  catalogEditorForm,
  conventionCodec,
  initiativeCodec,
  aggregatorCodec,
  categoryCodec,
  planCodec,
  conventionFormValues,
  initiativeFormValues,
  aggregatorFormValues,
  categoryFormValues,
  planFormValues,
  catalogFormOptions,
  catalogAdminOverview,
  CONVENTION_LABELS,
  INITIATIVE_LABELS,
  AGGREGATOR_LABELS,
  CATEGORY_LABELS,
  PLAN_LABELS,
  CPV_SEARCH_ACTION,
  DOCUMENT_UPLOAD_ACTION,
  type CatalogCodec,
  type FormValues,
} from "./forms";
export { instrumentState, joiningRule, RESERVED_CATEGORIES, ENERGY_AND_TELECOM_CATEGORIES, type InstrumentState, type ActionKind, type Joining } from "./instrument-states";
export {
  lotView,
  lotViews,
  lotTitle,
  getLotPage,
  compareLots,
  comparisonSummary,
  effectiveLotStatus,
  monthsBetween,
  LOT_NEARLY_EXHAUSTED_PCT,
  type LotView,
  type ComparisonLot,
  type LotComparison,
} from "./lots";
export { LOT_FIELDS, LOT_ACTIONS, lotRowsToShow, lotErrorLabels, lotFieldLabel, type LotField } from "./editor-rows";
export { cpvEntry, cpvEntryByDigits, searchCpv, CPV_VOCABULARY_SIZE, MAX_CPV_SEARCH_LENGTH, type CpvEntry } from "./cpv/vocabulary";
export {
  DOCUMENT_KIND_LABELS,
  CONVENTION_DOCUMENT_KINDS,
  documentsOf,
  storedDocumentRows,
  documentForDownload,
  documentFormat,
  documentSize,
  pruneUnsavedDocuments,
  type ConventionDocument,
  type DocumentRow,
} from "./documents";
export { conventionProvenance, CALL_OFFS_SHOWN, type Provenance } from "./provenance";
