/**
 * What each instrument type really is in each status: the state a person
 * reads, and the call to action it really has. One table, so a "Gara su
 * delega" is never shown as "Attiva" with an ordering button. Also the rule
 * that says whether joining an instrument is mandatory or optional.
 */
import type { AggregatorKind, ConventionStatus, InstrumentType } from "@db/schema";

/**
 * What the call to action does: order on the platform (convenzione), award a
 * specific contract (accordo quadro), join the dynamic system and publish a
 * specific contract (SDA), delegate the tender to the aggregator, or nothing
 * yet / any more (then the page offers an alert or an alternative).
 */
export type ActionKind = "order" | "specific_contract" | "sda" | "delegate" | "none";

export interface InstrumentState {
  /** The state as a person reads it, agreeing with the instrument's gender ("Attiva", "Attivo", "Deleghe aperte"). */
  label: string;
  /** Bootstrap Italia badge class; all pass AA contrast with white text. */
  badge: string;
  /** The call to action's kind and wording; `none` has no button. */
  action: ActionKind;
  actionLabel: string | null;
  /** One sentence on what the state means for a buyer. */
  meaning: string;
}

type StateTable = Record<InstrumentType, Record<ConventionStatus, Omit<InstrumentState, "badge">>>;

const CLOSED = { action: "none" as const, actionLabel: null };

const STATES: StateTable = {
  convenzione: {
    planned: { label: "In programma", ...CLOSED, meaning: "La convenzione è nel piano delle attività: non si può ancora ordinare." },
    tender_in_progress: { label: "Gara in corso", ...CLOSED, meaning: "La gara è in corso: si potrà ordinare dopo l'aggiudicazione e l'attivazione." },
    active: { label: "Attiva", action: "order", actionLabel: "Ordina sulla piattaforma", meaning: "Si ordina direttamente sulla piattaforma, senza svolgere una gara." },
    exhausted: { label: "Esaurita", ...CLOSED, meaning: "Il massimale è stato interamente utilizzato: non si accettano nuovi ordinativi." },
    expired: { label: "Scaduta", ...CLOSED, meaning: "La convenzione è scaduta: non si accettano nuovi ordinativi." },
  },
  accordo_quadro: {
    planned: { label: "In programma", ...CLOSED, meaning: "L'accordo quadro è nel piano delle attività: non si possono ancora affidare appalti specifici." },
    tender_in_progress: { label: "Gara in corso", ...CLOSED, meaning: "La gara per l'accordo quadro è in corso: gli appalti specifici si affidano dopo l'aggiudicazione." },
    active: {
      label: "Attivo: appalti specifici aperti",
      action: "specific_contract",
      actionLabel: "Affida un appalto specifico",
      meaning: "Si affidano appalti specifici ai fornitori aggiudicatari, con ordine diretto o con un confronto competitivo.",
    },
    exhausted: { label: "Esaurito", ...CLOSED, meaning: "Il massimale dell'accordo quadro è esaurito: non si affidano nuovi appalti specifici." },
    expired: { label: "Scaduto", ...CLOSED, meaning: "L'accordo quadro è scaduto: non si affidano nuovi appalti specifici." },
  },
  sda: {
    planned: { label: "In programma", ...CLOSED, meaning: "Il sistema dinamico è nel piano delle attività: non è ancora istituito." },
    tender_in_progress: { label: "In istituzione", ...CLOSED, meaning: "Il bando istitutivo è pubblicato: i fornitori chiedono l'ammissione, gli appalti specifici non sono ancora aperti." },
    active: {
      label: "Aperto: appalti specifici",
      action: "sda",
      actionLabel: "Bandisci un appalto specifico",
      meaning: "Le amministrazioni abilitate bandiscono appalti specifici tra i fornitori ammessi; nuovi fornitori possono chiedere l'ammissione.",
    },
    exhausted: { label: "Esaurito", ...CLOSED, meaning: "Il valore del sistema dinamico è esaurito: non si bandiscono nuovi appalti specifici." },
    expired: { label: "Chiuso", ...CLOSED, meaning: "Il sistema dinamico è chiuso: non si bandiscono nuovi appalti specifici." },
  },
  gara_su_delega: {
    planned: { label: "Raccolta dei fabbisogni in programma", ...CLOSED, meaning: "Il soggetto aggregatore raccoglierà i fabbisogni e le deleghe delle amministrazioni." },
    tender_in_progress: { label: "Gara delegata in corso", ...CLOSED, meaning: "Il soggetto aggregatore sta svolgendo la gara per le amministrazioni che l'hanno delegato." },
    active: {
      label: "Deleghe aperte",
      action: "delegate",
      actionLabel: "Delega la gara al soggetto aggregatore",
      meaning: "Non si ordina: l'amministrazione delega al soggetto aggregatore lo svolgimento della gara e poi stipula il proprio contratto.",
    },
    exhausted: { label: "Deleghe chiuse", ...CLOSED, meaning: "Il soggetto aggregatore non accetta altre deleghe per questa gara." },
    expired: { label: "Conclusa", ...CLOSED, meaning: "La gara su delega è conclusa: i contratti stipulati restano validi." },
  },
};

const BADGES: Record<ConventionStatus, string> = {
  planned: "bg-secondary",
  tender_in_progress: "bg-primary",
  active: "bg-success",
  exhausted: "bg-dark",
  expired: "bg-dark",
};

/** The state and call to action of an instrument type in a status. */
export function instrumentState(instrumentType: InstrumentType, status: ConventionStatus): InstrumentState {
  return { ...STATES[instrumentType][status], badge: BADGES[status] };
}

/**
 * Categories that the DPCM under art. 9, c. 3, DL 66/2014 reserves to the
 * soggetti aggregatori (the seeds: Milan's first tenders for office cleaning
 * and armed guarding, road maintenance added from 2018-2019), with drugs and
 * facility management: an administration must buy them through Consip or the
 * aggregator of its territory.
 */
export const RESERVED_CATEGORIES: ReadonlySet<string> = new Set(["pulizia-uffici", "vigilanza-armata", "manutenzione-strade", "farmaci", "facility-management"]);

/**
 * Categories of art. 1, c. 7, DL 95/2012 (electricity, gas, mobile telephony):
 * an administration uses the conventions of Consip or of its regional
 * aggregator, or buys on its own only at better conditions.
 */
export const ENERGY_AND_TELECOM_CATEGORIES: ReadonlySet<string> = new Set(["energia-elettrica", "gas-naturale", "telefonia-mobile"]);

export interface Joining {
  mandatory: boolean;
  /** "Obbligatoria", "Facoltativa"… */
  label: string;
  /** Why, in one sentence. */
  reason: string;
}

/**
 * Whether joining is mandatory or optional, from the category and the kind of
 * aggregator (documented in docs/catalog.md).
 */
export function joiningRule(categoryId: string, aggregatorKind: AggregatorKind): Joining {
  if (RESERVED_CATEGORIES.has(categoryId)) {
    return {
      mandatory: true,
      label: "Obbligatoria",
      reason: "Categoria riservata ai soggetti aggregatori: si acquista tramite Consip o il soggetto aggregatore del proprio territorio.",
    };
  }
  if (ENERGY_AND_TELECOM_CATEGORIES.has(categoryId)) {
    return {
      mandatory: true,
      label: "Obbligatoria",
      reason: "Energia, gas e telefonia: si usano le convenzioni di Consip o del soggetto aggregatore regionale, oppure si acquista da soli solo a condizioni migliori.",
    };
  }
  if (aggregatorKind === "national") {
    return {
      mandatory: false,
      label: "Obbligatoria solo per le amministrazioni statali",
      reason: "Per le amministrazioni statali l'adesione è obbligatoria; per le altre è facoltativa, ma prezzo e qualità sono il riferimento da non superare.",
    };
  }
  return { mandatory: false, label: "Facoltativa", reason: "L'adesione è facoltativa per le amministrazioni del territorio." };
}
