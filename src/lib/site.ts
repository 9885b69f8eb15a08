/** Site-wide names and navigation, shared by the layout, feeds and mail. */
export const SITE_NAME = "Aggrega";
export const SITE_TAGLINE = "Il portale dei soggetti aggregatori";

export interface NavItem {
  href: string;
  label: string;
}

/** The three audiences, then the sections every audience uses. */
export const MAIN_NAV: NavItem[] = [
  { href: "/amministrazioni", label: "Amministrazioni" },
  { href: "/fornitori", label: "Fornitori" },
  { href: "/sala-stampa", label: "Sala stampa" },
  { href: "/convenzioni", label: "Convenzioni" },
  { href: "/soggetti-aggregatori", label: "Soggetti aggregatori" },
  { href: "/formazione", label: "Formazione" },
  { href: "/avvisi", label: "Avvisi" },
];

export const LEGAL_NAV: NavItem[] = [
  { href: "/privacy", label: "Informativa privacy" },
  { href: "/note-legali", label: "Note legali" },
  { href: "/accessibilita", label: "Dichiarazione di accessibilità" },
];

/** Feeds and open data, listed in the footer. */
export const DATA_NAV: NavItem[] = [
  { href: "/feed.xml", label: "Tutti gli aggiornamenti (RSS)" },
  { href: "/feed/tipo/press.xml", label: "Comunicati e notizie (RSS)" },
  { href: "/feed/tipo/expiry.xml", label: "Convenzioni in scadenza (RSS)" },
  { href: "/dati", label: "Dati aperti" },
];

/** The site map in the footer: every public section. */
export const SITE_MAP: NavItem[] = [
  { href: "/convenzioni", label: "Convenzioni e strumenti" },
  { href: "/iniziative-congiunte", label: "Iniziative congiunte" },
  { href: "/piani-attivita", label: "Piani di attività" },
  { href: "/strumenti", label: "Piattaforme di e-procurement" },
  { href: "/soggetti-aggregatori", label: "Soggetti aggregatori" },
  { href: "/sala-stampa", label: "Sala stampa" },
  { href: "/formazione", label: "Formazione" },
  { href: "/attestati/verifica", label: "Verifica di un attestato" },
  { href: "/avvisi", label: "Avvisi via email e RSS" },
];

/** The feed every page announces with <link rel="alternate">. */
export const SITE_FEED = { title: "Aggrega – tutti gli aggiornamenti", href: "/feed.xml" };

/** True when `pathname` is the item's page or one below it. */
export function isCurrent(item: NavItem, pathname: string): boolean {
  const path = pathname.replace(/\/+$/, "") || "/";
  return path === item.href || path.startsWith(`${item.href}/`);
}
