/** What an administration does next to buy from an instrument, by status and instrument type. */
import type { ConventionStatus, InstrumentType } from "@db/schema";

export interface PurchaseGuide {
  /** True when an administration can order now. */
  canOrder: boolean;
  heading: string;
  steps: string[];
}

export function purchaseGuide(c: { status: ConventionStatus; instrumentType: InstrumentType; aggregatorName: string; platformName: string | null }): PurchaseGuide {
  const platform = c.platformName ? `piattaforma ${c.platformName}` : "piattaforma di e-procurement del soggetto aggregatore";
  switch (c.status) {
    case "planned":
    case "tender_in_progress":
      return {
        canOrder: false,
        heading: "Non è ancora possibile acquistare",
        steps: [
          c.status === "planned" ? "La gara è in programma: la pubblicazione del bando è prevista nel piano delle attività." : "La gara è in corso: lo strumento sarà utilizzabile dopo l'aggiudicazione e l'attivazione.",
          "Chiedi un avviso per sapere quando lo strumento diventa attivo, oppure segui il calendario delle date.",
          "Nel frattempo verifica se per la stessa categoria esiste già uno strumento attivo, nazionale o regionale.",
        ],
      };
    case "exhausted":
    case "expired":
      return {
        canOrder: false,
        heading: "Non è più possibile acquistare",
        steps: [
          c.status === "exhausted" ? "Il massimale è stato interamente utilizzato: non si accettano nuovi ordinativi." : "Lo strumento è scaduto: non si accettano nuovi ordinativi.",
          "I contratti già stipulati restano validi fino alla loro naturale conclusione.",
          "Cerca uno strumento attivo della stessa categoria o confronta l'offerta nazionale con quella della tua regione.",
        ],
      };
    case "active":
      break;
  }
  const first = "Verifica che uno dei lotti copra il territorio della tua amministrazione e controlla il massimale residuo.";
  const steps: Record<InstrumentType, string[]> = {
    convenzione: [
      first,
      `Accedi alla ${platform} con le credenziali del punto ordinante della tua amministrazione.`,
      "Emetti l'ordinativo di fornitura: aderendo alla convenzione non devi svolgere una gara.",
    ],
    accordo_quadro: [
      first,
      `Accedi alla ${platform} e consulta le condizioni dell'accordo quadro.`,
      "Affida l'appalto specifico: con ordine diretto se le condizioni sono tutte fissate, altrimenti con un confronto competitivo tra i fornitori aggiudicatari.",
    ],
    sda: [
      `Abilitati come stazione appaltante al sistema dinamico sulla ${platform}.`,
      "Pubblica l'appalto specifico: vengono invitati tutti i fornitori ammessi alla categoria.",
      "Aggiudica e stipula il contratto sulla piattaforma.",
    ],
    gara_su_delega: [
      `Contatta ${c.aggregatorName} per delegare lo svolgimento della gara per conto della tua amministrazione.`,
      "Trasmetti i fabbisogni e l'atto di delega secondo le indicazioni del soggetto aggregatore.",
      "Stipula il contratto con l'aggiudicatario al termine della procedura.",
    ],
  };
  return { canOrder: true, heading: "Come acquistare", steps: steps[c.instrumentType] };
}
