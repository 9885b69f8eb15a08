/** Mappings the readers share: regions, kinds of body, yes/no flags, CIG and CPV codes, licences. */
import type { AggregatorKind } from "@db/schema";
import { NATIONAL_REGION, REGIONS } from "@/catalog";
import { foldName } from "./text";

export const CIG_PATTERN = /^[0-9A-Z]{10}$/;
/** A CPV code, with or without its check digit. */
export const CPV_PATTERN = /^(\d{8})(?:-(\d))?$/;

const FOLDED_REGIONS = REGIONS.map((r) => [foldName(r).replace(/-/g, " "), r] as const);

/** The region named in a text ("SEZIONE REGIONALE CAMPANIA", "Lotto 3 – Lombardia"), or undefined. */
export function regionIn(text: string): string | undefined {
  const folded = ` ${foldName(text).replace(/-/g, " ")} `;
  for (const [name, region] of FOLDED_REGIONS) if (folded.includes(` ${name} `)) return region;
  if (/\b(TRENTO|BOLZANO|TRENTINO|ALTO ADIGE|SUDTIROL)\b/.test(folded)) return "Trentino-Alto Adige";
  if (/\b(FRIULI|VENEZIA GIULIA)\b/.test(folded)) return "Friuli-Venezia Giulia";
  if (/\b(VALLE D ?AOSTA|AOSTA)\b/.test(folded)) return "Valle d'Aosta";
  if (/\bEMILIA\b/.test(folded)) return "Emilia-Romagna";
  if (/\b(ITALIA|NAZIONALE)\b/.test(folded)) return NATIONAL_REGION;
  return undefined;
}

/**
 * The kind of a body from its name: Consip is the national aggregator, a Città metropolitana and a Provincia are
 * such; any other body (regional purchasing agencies, and the local buyers ANAC lists) counts as regional.
 */
export function kindFromName(name: string, region: string): AggregatorKind {
  const folded = foldName(name);
  if (/\bCONSIP\b/.test(folded) || region === NATIONAL_REGION) return "national";
  if (/\bCITTA METROPOLITANA\b/.test(folded)) return "metropolitan_city";
  if (/^(AMMINISTRAZIONE )?PROVINCIA(LE)?\b/.test(folded) || /\bPROVINCIA DI\b/.test(folded)) return "province";
  return "regional";
}

/** A yes/no flag as open data write it ("1", "S", "SI", "true"); undefined when empty, null when unreadable. */
export function parseFlag(raw: string | undefined): boolean | undefined | null {
  const v = foldName(raw ?? "");
  if (v === "") return undefined;
  if (["1", "1 0", "S", "SI", "Y", "YES", "TRUE", "VERO"].includes(v)) return true;
  if (["0", "0 0", "N", "NO", "FALSE", "FALSO"].includes(v)) return false;
  return null;
}

/** A short name for a body: its name up to 60 characters, cut at a word. */
export function shortNameOf(name: string): string {
  if (name.length <= 60) return name;
  return `${name.slice(0, 59).replace(/\s+\S*$/, "")}…`;
}

/** Text cut to `max` characters at a word, with an ellipsis. */
export function cut(text: string, max: number): string {
  const t = text.trim().replace(/\s+/g, " ");
  return t.length <= max ? t : `${t.slice(0, max - 1).replace(/\s+\S*$/, "")}…`;
}

/** The licence of an OCDS package, as shown ("CC BY 4.0"); the URL itself when it is not a known one. */
export function licenceLabel(url: string | undefined): string {
  if (!url) return "licenza non dichiarata";
  const u = url.toLowerCase();
  const cc = /creativecommons\.org\/licenses\/(by(?:-sa|-nd|-nc|-nc-sa|-nc-nd)?)\/(\d\.\d)/.exec(u);
  if (cc) return `CC ${cc[1]!.toUpperCase()} ${cc[2]}`;
  if (u.includes("creativecommons.org/publicdomain/zero/1.0")) return "CC0 1.0";
  if (u.includes("opendatacommons.org/licenses/pddl")) return "ODC PDDL 1.0";
  if (u.includes("opendatacommons.org/licenses/odbl")) return "ODbL 1.0";
  if (u.includes("opendatacommons.org/licenses/by")) return "ODC-By 1.0";
  if (/dati\.gov\.it\/iodl\/2\.0/.test(u)) return "IODL 2.0";
  return url;
}
