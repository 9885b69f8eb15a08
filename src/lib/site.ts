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

/** True when `pathname` is the item's page or one below it. */
export function isCurrent(item: NavItem, pathname: string): boolean {
  const path = pathname.replace(/\/+$/, "") || "/";
  return path === item.href || path.startsWith(`${item.href}/`);
}
