/** Italian labels and URL slugs of the catalog's enumerations. */
import type { AggregatorKind, ConventionStatus, InitiativeStage, InstrumentType } from "@db/schema";

export const CONVENTION_STATUS_LABELS: Record<ConventionStatus, string> = {
  planned: "In programma",
  tender_in_progress: "Gara in corso",
  active: "Attiva",
  exhausted: "Esaurita",
  expired: "Scaduta",
};

/** Status values as they appear in catalog URLs (?stato=attiva). */
export const STATUS_SLUGS: Record<ConventionStatus, string> = {
  planned: "in-programma",
  tender_in_progress: "gara-in-corso",
  active: "attiva",
  exhausted: "esaurita",
  expired: "scaduta",
};

export const INSTRUMENT_LABELS: Record<InstrumentType, string> = {
  convenzione: "Convenzione",
  accordo_quadro: "Accordo quadro",
  sda: "Sistema dinamico di acquisizione",
  gara_su_delega: "Gara su delega",
};

/** Instrument types as they appear in catalog URLs (?tipo=accordo-quadro). */
export const INSTRUMENT_SLUGS: Record<InstrumentType, string> = {
  convenzione: "convenzione",
  accordo_quadro: "accordo-quadro",
  sda: "sda",
  gara_su_delega: "gara-su-delega",
};

export const AGGREGATOR_KIND_LABELS: Record<AggregatorKind, string> = {
  national: "Nazionale",
  regional: "Regionale",
  metropolitan_city: "Città metropolitana",
  province: "Provincia",
};

export const STAGE_LABELS: Record<InitiativeStage, string> = {
  proposed: "Proposta",
  planning: "In preparazione",
  tender: "In gara",
  active: "Attiva",
  completed: "Conclusa",
};

/** Bootstrap Italia badge colour per status; all pass AA contrast with white text. */
export const STATUS_BADGES: Record<ConventionStatus, string> = {
  planned: "bg-secondary",
  tender_in_progress: "bg-primary",
  active: "bg-success",
  exhausted: "bg-dark",
  expired: "bg-dark",
};

/** Territory of national lots and aggregators. */
export const NATIONAL_REGION = "Italia";

/** The twenty Italian regions, the values accepted by ?regione=. */
export const REGIONS = [
  "Abruzzo",
  "Basilicata",
  "Calabria",
  "Campania",
  "Emilia-Romagna",
  "Friuli-Venezia Giulia",
  "Lazio",
  "Liguria",
  "Lombardia",
  "Marche",
  "Molise",
  "Piemonte",
  "Puglia",
  "Sardegna",
  "Sicilia",
  "Toscana",
  "Trentino-Alto Adige",
  "Umbria",
  "Valle d'Aosta",
  "Veneto",
] as const;

/** Lot and aggregator territories: a region or the whole country. */
export const TERRITORIES: readonly string[] = [NATIONAL_REGION, ...REGIONS];

/** Aggregators operating in Italy, as stated by the Città metropolitana di Milano (press release of 20 March 2017). */
export const NATIONAL_AGGREGATOR_COUNT = 32;

/** Directory order: the national aggregator first, then regions, metropolitan cities, provinces. */
export const AGGREGATOR_KINDS_ORDER: readonly AggregatorKind[] = ["national", "regional", "metropolitan_city", "province"];
