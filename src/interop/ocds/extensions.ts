/**
 * The OCDS extensions Aggrega's packages use: two official ones (lots,
 * techniques) and Aggrega's own (framework agreement usage, wholesaleBuyer).
 * The validator applies the same patches, so what is declared is what is checked.
 */
import lotsPatch from "./vendor/lots-v1.1.5/release-schema.json";
import techniquesPatch from "./vendor/techniques-5568b00/release-schema.json";
import aggregaMetadata from "./extension/extension.json";
import aggregaPatch from "./extension/release-schema.json";
import { absoluteUrl } from "@/lib/http";
import { config } from "@/config";

export interface CodelistAddition {
  codelist: string;
  code: string;
  title: string;
  description: string;
}

export interface OcdsExtension {
  /** The URL declared in a package's `extensions`. */
  url: string;
  /** JSON Merge Patch (RFC 7386) of the release schema. */
  releaseSchemaPatch: object;
  /** Codes the extension adds to open codelists of the core or of other extensions. */
  codelistAdditions: CodelistAddition[];
}

export const LOTS_EXTENSION_URL = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json";
export const TECHNIQUES_EXTENSION_URL =
  "https://raw.githubusercontent.com/open-contracting-extensions/ocds_techniques_extension/5568b00a8dd694a3d34441bdd9ef2bd3f9d44b11/extension.json";

/** Where this instance serves its own extension. */
export const AGGREGA_EXTENSION_PATH = "/dati/ocds/estensione";

/** The codes Aggrega's extension adds (served as codelists/+partyRole.csv). */
export const AGGREGA_CODELIST_ADDITIONS: CodelistAddition[] = [
  {
    codelist: "partyRole.csv",
    code: "wholesaleBuyer",
    title: "Wholesale buyer",
    description:
      "A central purchasing body that acquires supplies or services intended for other buyers, or awards framework agreements and conventions from which other buyers order (the wholesaleBuyer role of the OCDS 1.2 draft).",
  },
];

export function aggregaExtensionUrl(): string {
  return absoluteUrl(`${AGGREGA_EXTENSION_PATH}/extension.json`);
}

/** extension.json as served: documentation and contact point of this instance. */
export function aggregaExtensionMetadata() {
  return {
    ...aggregaMetadata,
    documentationUrl: { it: absoluteUrl("/dati/ocds") },
    contactPoint: { name: "Aggrega", email: config().OFFICE_EMAIL },
  };
}

export function aggregaReleaseSchemaPatch(): object {
  return aggregaPatch;
}

/** +partyRole.csv of Aggrega's extension (RFC 4180, CRLF). */
export function aggregaCodelistCsv(codelist: string): string | null {
  const rows = AGGREGA_CODELIST_ADDITIONS.filter((a) => a.codelist === codelist);
  if (rows.length === 0) return null;
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ["Code,Title,Description", ...rows.map((r) => [r.code, r.title, r.description].map(cell).join(","))].join("\r\n") + "\r\n";
}

/** Every extension a package of this instance declares, in `extensions` order. */
export function publishedExtensions(): OcdsExtension[] {
  return [
    { url: LOTS_EXTENSION_URL, releaseSchemaPatch: lotsPatch, codelistAdditions: [] },
    { url: TECHNIQUES_EXTENSION_URL, releaseSchemaPatch: techniquesPatch, codelistAdditions: [] },
    { url: aggregaExtensionUrl(), releaseSchemaPatch: aggregaPatch, codelistAdditions: AGGREGA_CODELIST_ADDITIONS },
  ];
}
