/**
 * OCDS 1.1 release or record packages from another platform (another Aggrega
 * instance, a regional platform). The package is checked with the same
 * validator that checks what Aggrega publishes (official schemas plus the
 * Data Review Tool's checks, the declared extensions applied). Invalid
 * releases are reported by their JSON Pointer and, as any rejected row, stop
 * the import unless `lenient` (or `partial`) lets the valid ones in; errors of
 * the package itself (an unknown extension, a missing publisher) refuse the
 * file unless `lenient`.
 *
 * The mapping is the reverse of src/interop/ocds/publish.ts: a first-stage
 * framework process (tender.techniques.hasFrameworkAgreement) becomes an
 * accordo quadro (a convenzione when its title or description says so), a
 * dynamic purchasing system an SDA; the procuring entity becomes the
 * aggregator, tender.lots the lots, the awards' suppliers the lots' suppliers,
 * the CPV classification of the first item chooses the category. Planning
 * releases and other processes are skipped with the reason.
 */
import { NATIONAL_REGION, TERRITORIES } from "@/catalog";
import { LOTS_EXTENSION_URL, TECHNIQUES_EXTENSION_URL, AGGREGA_EXTENSION_PATH, publishedExtensions, type OcdsExtension } from "../ocds/extensions";
import { createOcdsValidator, type OcdsIssue, type OcdsSchemas } from "../ocds/validate";
import { CIG_PATTERN, cut, kindFromName, licenceLabel, regionIn, shortNameOf } from "./common";
import { MalformedFileError, decodeText } from "./text";
import type { ConventionStatus } from "@db/schema";
import type { ImportedInstrument, ImportedLot, ParsedImport, RowIssue } from "./types";

type Json = Record<string, any>;

/** The validator for a package: the official extensions Aggrega knows, and any Aggrega instance's own extension. */
function extensionsFor(pkg: Json): OcdsExtension[] {
  const known = publishedExtensions();
  const byUrl = new Map(known.map((e) => [e.url, e]));
  const aggrega = known[known.length - 1]!;
  const lots = byUrl.get(LOTS_EXTENSION_URL)!;
  const techniques = byUrl.get(TECHNIQUES_EXTENSION_URL)!;
  const list: OcdsExtension[] = [lots, techniques];
  for (const url of Array.isArray(pkg.extensions) ? pkg.extensions : []) {
    if (typeof url === "string" && url.endsWith(`${AGGREGA_EXTENSION_PATH}/extension.json`) && !list.some((e) => e.url === url)) {
      list.push({ ...aggrega, url });
    }
  }
  return list;
}

/** "/releases/3/tender/status" → "/releases/3"; package-level paths → "". */
function releaseOf(path: string): string {
  return /^\/(?:releases\/\d+|records\/\d+)/.exec(path)?.[0] ?? "";
}

const describe = (issues: OcdsIssue[]) =>
  issues
    .slice(0, 3)
    .map((i) => `${i.path}: ${i.message}`)
    .join("; ") + (issues.length > 3 ? ` (e altri ${issues.length - 3} errori)` : "");

const day = (value: unknown) => (typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined);

function euro(value: Json | undefined, field: string, problems: string[]): number | undefined {
  if (!value || value.amount === undefined || value.amount === null) return undefined;
  if (value.currency && value.currency !== "EUR") {
    problems.push(`${field}: importo in ${String(value.currency)}, il catalogo registra solo euro`);
    return undefined;
  }
  const n = Number(value.amount);
  if (!Number.isFinite(n) || n < 0) {
    problems.push(`${field}: importo non valido`);
    return undefined;
  }
  return n;
}

const TENDER_STATUSES: Record<string, ConventionStatus | null> = {
  planning: "planned",
  planned: "planned",
  active: "tender_in_progress",
  complete: "active",
  cancelled: null,
  unsuccessful: null,
  withdrawn: null,
};

function mapRelease(release: Json, where: string, packageKey: string): { entry?: ImportedInstrument; skip?: string; reject?: string } {
  const tender = (release.tender ?? {}) as Json;
  const techniques = (tender.techniques ?? {}) as Json;
  const tags: string[] = Array.isArray(release.tag) ? release.tag.map(String) : [];
  if (release.planning && tender.status === "planned" && tags.every((t) => t === "planning" || t === "planningUpdate")) {
    // A process described by its planning section (an activity plan's item); a planned framework without one is imported.
    return { skip: `${release.ocid}: release di pianificazione, voce di un piano delle attività (i piani non si importano da file)` };
  }
  const framework = techniques.hasFrameworkAgreement === true;
  const dps = techniques.hasDynamicPurchasingSystem === true;
  if (!framework && !dps) return { skip: `${release.ocid}: non descrive un accordo quadro, una convenzione o un sistema dinamico di acquisizione (tender.techniques)` };
  const status = tender.status === undefined ? "tender_in_progress" : TENDER_STATUSES[String(tender.status)];
  if (status === null) return { skip: `${release.ocid}: procedura con stato «${String(tender.status)}»` };
  const problems: string[] = [];
  const title = cut(String(tender.title ?? release.title ?? ""), 300);
  if (title.length < 5) problems.push("manca tender.title");
  const parties: Json[] = Array.isArray(release.parties) ? release.parties : [];
  const entityId = tender.procuringEntity?.id ?? release.buyer?.id;
  const party =
    parties.find((p) => p.id === entityId) ??
    parties.find((p) => Array.isArray(p.roles) && (p.roles.includes("procuringEntity") || p.roles.includes("buyer")));
  const partyName = String(party?.name ?? tender.procuringEntity?.name ?? release.buyer?.name ?? "").trim();
  if (partyName.length < 2) problems.push("manca l'ente che gestisce la procedura (tender.procuringEntity)");
  const fa = (techniques.frameworkAgreement ?? {}) as Json;
  const ceiling = euro(fa.value, "tender.techniques.frameworkAgreement.value", problems) ?? euro(tender.value, "tender.value", problems);
  const used = euro(fa.usedValue, "tender.techniques.frameworkAgreement.usedValue", problems);
  if (problems.length > 0) return { reject: problems.join("; ") };

  const suppliersByLot = new Map<string, string>();
  for (const award of Array.isArray(release.awards) ? release.awards : []) {
    const supplier = award?.suppliers?.[0]?.name;
    if (!supplier) continue;
    for (const lot of Array.isArray(award.relatedLots) ? award.relatedLots : []) suppliersByLot.set(String(lot), String(supplier));
  }
  const lots: ImportedLot[] = [];
  const taken = new Set<number>();
  (Array.isArray(tender.lots) ? tender.lots : []).forEach((lot: Json, i: number) => {
    let number = /^\d{1,4}$/.test(String(lot.id)) ? Number(lot.id) : i + 1;
    while (taken.has(number) || number < 1) number += 1;
    taken.add(number);
    const description = String(lot.description ?? "");
    const [regionPart, ...rest] = description.split(" – ");
    const region = TERRITORIES.includes(regionPart ?? "") ? regionPart! : (regionIn(`${lot.title ?? ""} ${description}`) ?? NATIONAL_REGION);
    lots.push({
      number,
      name: cut(String(lot.title ?? `Lotto ${number}`), 200),
      region,
      territory: TERRITORIES.includes(regionPart ?? "") ? rest.join(" – ") : "",
      supplier: suppliersByLot.get(String(lot.id)),
      ceiling: euro(lot.value, `tender.lots.${i}.value`, []),
    });
  });
  const region = regionIn(String(party?.address?.region ?? "")) ?? (lots.length > 0 && lots.every((l) => l.region === lots[0]!.region) ? lots[0]!.region : NATIONAL_REGION);
  const identifier = party?.identifier?.id ? `${party.identifier.scheme ?? "id"}:${party.identifier.id}` : `${packageKey}:${party?.id ?? partyName}`;
  const item = Array.isArray(tender.items) ? tender.items[0] : undefined;
  const cpv = item?.classification?.scheme === "CPV" && /^\d{8}-\d$/.test(String(item.classification.id)) ? String(item.classification.id) : undefined;
  const period = (techniques.frameworkAgreement?.period ?? tender.contractPeriod ?? {}) as Json;
  const text = `${title} ${tender.description ?? ""}`.toLowerCase();
  const startDate = day(period.startDate);
  const endDate = day(period.endDate);
  const exhausted = status === "active" && typeof fa.usedShare === "number" && fa.usedShare >= 1;
  return {
    entry: {
      type: "instrument",
      where: { path: where },
      sourceKey: `ocds:${String(release.ocid)}`,
      aggregator: { key: `ocds-party:${identifier}`, name: cut(partyName, 200), shortName: shortNameOf(partyName), kind: kindFromName(partyName, region), region, territory: region === NATIONAL_REGION ? "Tutto il territorio nazionale" : region },
      categoryName: item?.description ? String(item.description) : undefined,
      cpvCode: cpv,
      instrument: dps ? "sda" : text.includes("convenzione") ? "convenzione" : "accordo_quadro",
      title,
      summary: cut(String(tender.description ?? ""), 1000),
      description: `Procedura OCDS ${String(release.ocid)}.`,
      cig: typeof tender.id === "string" && CIG_PATTERN.test(tender.id) ? tender.id : undefined,
      status: exhausted ? "exhausted" : status,
      publishedOn: day(tender.tenderPeriod?.startDate) ?? day(release.date),
      startDate,
      endDate: startDate && endDate && endDate < startDate ? undefined : endDate,
      ceiling,
      used: ceiling !== undefined && used !== undefined ? Math.min(used, ceiling) : undefined,
      example: release.example === true,
      lots,
    },
  };
}

export function parseOcds(bytes: Uint8Array, schemas: OcdsSchemas, options: { lenient?: boolean }): ParsedImport {
  let pkg: Json;
  try {
    pkg = JSON.parse(decodeText(bytes).text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new MalformedFileError(`non è un file JSON valido (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!pkg || typeof pkg !== "object" || Array.isArray(pkg) || (!Array.isArray(pkg.releases) && !Array.isArray(pkg.records))) {
    throw new MalformedFileError("non è un pacchetto OCDS: manca l'elenco «releases» (release package) o «records» (record package)");
  }
  const validator = createOcdsValidator(schemas, extensionsFor(pkg));
  const result = validator.validate(pkg);
  const byRelease = new Map<string, OcdsIssue[]>();
  for (const issue of result.errors) {
    const key = releaseOf(issue.path);
    byRelease.set(key, [...(byRelease.get(key) ?? []), issue]);
  }
  const packageErrors = byRelease.get("") ?? [];
  if (!options.lenient && packageErrors.length > 0) {
    throw new MalformedFileError(`il pacchetto OCDS non è valido (con --lenient si importano comunque le release valide): ${describe(packageErrors)}`);
  }
  const skipped: RowIssue[] = [];
  const rejected: RowIssue[] = [];
  const notes = packageErrors.map((e) => `errore del pacchetto ignorato (modalità tollerante) in ${e.path || "/"}: ${e.message}`);
  const candidates: { release: Json; where: string }[] = [];
  if (Array.isArray(pkg.releases)) {
    pkg.releases.forEach((release: Json, i: number) => candidates.push({ release, where: `/releases/${i}` }));
  } else {
    pkg.records.forEach((record: Json, i: number) => {
      if (record?.compiledRelease) candidates.push({ release: record.compiledRelease, where: `/records/${i}` });
      else {
        const releases: Json[] = Array.isArray(record?.releases) ? record.releases : [];
        const latest = releases.reduce<Json | undefined>((a, b) => (!a || String(b?.date) > String(a.date) ? b : a), undefined);
        if (latest && latest.tender) candidates.push({ release: latest, where: `/records/${i}` });
        else skipped.push({ where: { path: `/records/${i}` }, reason: `${String(record?.ocid)}: record senza compiledRelease né release incorporate (solo collegamenti)` });
      }
    });
  }
  // One process per ocid: the latest release of each (a release package may hold a process's whole history).
  const latest = new Map<string, { release: Json; where: string }>();
  for (const c of candidates) {
    const errors = byRelease.get(c.where);
    if (errors) {
      rejected.push({ where: { path: c.where }, reason: `release non valida: ${describe(errors)}` });
      continue;
    }
    const ocid = String(c.release.ocid);
    const previous = latest.get(ocid);
    if (previous && String(previous.release.date) > String(c.release.date)) {
      skipped.push({ where: { path: c.where }, reason: `${ocid}: release precedente a quella in ${previous.where}` });
      continue;
    }
    if (previous) skipped.push({ where: { path: previous.where }, reason: `${ocid}: release precedente a quella in ${c.where}` });
    latest.set(ocid, c);
  }
  const publisher = String(pkg.publisher?.name ?? "").trim() || "pubblicatore OCDS non indicato";
  const packageKey = String(pkg.publisher?.uri ?? pkg.publisher?.name ?? "ocds");
  const entries: ImportedInstrument[] = [];
  for (const { release, where } of latest.values()) {
    const mapped = mapRelease(release, where, packageKey);
    if (mapped.entry) entries.push(mapped.entry);
    else if (mapped.skip) skipped.push({ where: { path: where }, reason: mapped.skip });
    else rejected.push({ where: { path: where }, reason: mapped.reject! });
  }
  return {
    format: "ocds",
    source: { name: cut(publisher, 200), licence: licenceLabel(typeof pkg.license === "string" ? pkg.license : undefined) },
    read: Array.isArray(pkg.releases) ? pkg.releases.length : pkg.records.length,
    entries,
    skipped,
    rejected,
    notes: [result.kind === "record package" ? "record package" : "release package", `${result.warnings.length} avvisi di qualità`, ...notes],
  };
}
