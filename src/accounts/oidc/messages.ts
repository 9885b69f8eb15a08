/** What a person reads when a SPID/CIE sign-in stops, and what to do next. */
import type { SignInProblemCode } from "./errors";

export const SIGN_IN_PROBLEM_PAGES: Record<SignInProblemCode, { title: string; message: string }> = {
  not_configured: {
    title: "Accesso con SPID e CIE non disponibile",
    message: "L'accesso con SPID e CIE non è attivo su questo portale. Puoi accedere con email e password.",
  },
  unknown_provider: {
    title: "Gestore di identità non disponibile",
    message: "Il gestore di identità scelto non è tra quelli disponibili su questo portale. Torna alla pagina di accesso e scegli un gestore dall'elenco.",
  },
  provider_unreachable: {
    title: "Il gestore di identità non risponde",
    message: "Il gestore di identità non risponde in questo momento. Riprova tra qualche minuto o scegli un altro gestore; se il problema continua, accedi con email e password.",
  },
  invalid_chain: {
    title: "Gestore di identità non verificato",
    message:
      "Non è stato possibile verificare che il gestore di identità faccia parte della federazione SPID e CIE (la sua catena di fiducia non è valida), quindi il portale non lo usa. Scegli un altro gestore o riprova più tardi; se il problema continua, scrivi all'indirizzo indicato in fondo alla pagina.",
  },
  cancelled: {
    title: "Accesso annullato",
    message: "Hai annullato l'accesso presso il gestore di identità e nessun dato è stato condiviso. Puoi riprovare quando vuoi.",
  },
  provider_refused: {
    title: "Accesso non completato",
    message: "Il gestore di identità non ha completato l'accesso. Riprova; se il problema continua, scegli un altro gestore o accedi con email e password.",
  },
  expired: {
    title: "Richiesta di accesso scaduta",
    message: "Questa richiesta di accesso è scaduta o è già stata usata. Torna alla pagina di accesso e premi di nuovo «Entra con SPID» o «Entra con CIE».",
  },
  invalid_response: {
    title: "Risposta del gestore non valida",
    message: "La risposta del gestore di identità non ha superato i controlli di sicurezza, quindi l'accesso non è avvenuto. Riprova; se il problema continua, scegli un altro gestore o accedi con email e password.",
  },
  wrong_acr: {
    title: "Livello di sicurezza non sufficiente",
    message:
      "Il gestore di identità non ha garantito il livello di sicurezza che il portale richiede. Riprova e completa l'accesso con il livello richiesto (per SPID di livello 2, ad esempio, con la conferma sull'app o il codice temporaneo).",
  },
  missing_claims: {
    title: "Dati non condivisi",
    message: "Il gestore di identità non ha condiviso tutti i dati necessari: nome, cognome, email e codice fiscale. Riprova e autorizza la condivisione di questi dati.",
  },
  email_in_use: {
    title: "Esiste già un account con questa email",
    message:
      "Esiste già un account con l'indirizzo email della tua identità digitale. Accedi con email e password e collega SPID o CIE dalla pagina «Il tuo account»; se non ricordi la password, usa «Hai dimenticato la password?».",
  },
  identity_in_use: {
    title: "Identità già collegata a un altro account",
    message: "Questa identità SPID o CIE è già collegata a un altro account del portale. Per usare quell'account esci ed entra con SPID o CIE; per collegarla a questo, scollegala prima dall'altro.",
  },
  deactivated: {
    title: "Account disattivato",
    message: "Questo account è stato disattivato. Per informazioni scrivi all'indirizzo indicato in fondo alla pagina.",
  },
};
