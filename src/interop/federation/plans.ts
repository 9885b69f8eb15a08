/**
 * A peer's planning releases as items of activity plans: the reverse of
 * planItemRelease in src/interop/ocds/publish.ts. A planning release is a
 * process described by its planning section, planned and tagged only
 * planning (the OCDS importer skips these, src/interop/import/ocds.ts).
 */
import { INSTRUMENT_TYPES, type InstrumentType } from "@db/schema";
import { NATIONAL_REGION } from "@/catalog";
import { cut, kindFromName, regionIn, shortNameOf } from "../import/common";
import type { ImportedAggregator } from "../import/types";

type Json = Record<string, any>;

export interface PeerPlanItem {
  ocid: string;
  title: string;
  year: number;
  /** "2027-T2", "2027-S1" or null when the tender period is not a quarter or a half. */
  expectedPeriod: string | null;
  /** Euro. */
  estimatedValue?: number;
  instrumentType: InstrumentType | null;
  cpvCode?: string;
  categoryName?: string;
  aggregator: ImportedAggregator;
  example: boolean;
}

/** The statuses by which a publisher says a process will not go ahead. */
const WITHDRAWN_STATUSES = new Set(["cancelled", "withdrawn", "unsuccessful"]);

/** The releases of a release package, or each record's compiled (else latest) release, with their JSON Pointer. */
function releasesOf(pkg: Json): { release: Json; where: string }[] {
  if (Array.isArray(pkg.releases)) return pkg.releases.map((release: Json, i: number) => ({ release, where: `/releases/${i}` }));
  if (!Array.isArray(pkg.records)) return [];
  return pkg.records.flatMap((record: Json, i: number) => {
    const releases: Json[] = Array.isArray(record?.releases) ? record.releases : [];
    const release = record?.compiledRelease ?? releases.reduce<Json | undefined>((a, b) => (!a || String(b?.date) > String(a.date) ? b : a), undefined);
    return release ? [{ release, where: `/records/${i}` }] : [];
  });
}

/** The latest release of each ocid. */
function latestByOcid(pkg: Json): Map<string, { release: Json; where: string }> {
  const latest = new Map<string, { release: Json; where: string }>();
  for (const entry of releasesOf(pkg)) {
    const ocid = String(entry.release?.ocid);
    const previous = latest.get(ocid);
    if (!previous || String(entry.release?.date) >= String(previous.release.date)) latest.set(ocid, entry);
  }
  return latest;
}

/** Ocids whose latest release says the process was cancelled, withdrawn or unsuccessful. */
export function withdrawnOcids(pkg: Json): Set<string> {
  const gone = new Set<string>();
  for (const [ocid, { release }] of latestByOcid(pkg)) if (WITHDRAWN_STATUSES.has(String(release?.tender?.status))) gone.add(ocid);
  return gone;
}

function expectedPeriod(period: Json | undefined): { year?: number; period: string | null } {
  const start = /^(\d{4})-(\d{2})/.exec(String(period?.startDate ?? ""));
  const end = /^(\d{4})-(\d{2})/.exec(String(period?.endDate ?? ""));
  if (!start) return { period: null };
  const year = Number(start[1]);
  if (!end || Number(end[1]) !== year) return { year, period: null };
  const first = Number(start[2]);
  const months = Number(end[2]) - first + 1;
  if (months === 3 && (first - 1) % 3 === 0) return { year, period: `${year}-T${(first - 1) / 3 + 1}` };
  if (months === 6 && (first - 1) % 6 === 0) return { year, period: `${year}-S${(first - 1) / 6 + 1}` };
  return { year, period: null };
}

function instrumentOf(techniques: Json | undefined, title: string): InstrumentType | null {
  if (techniques?.hasDynamicPurchasingSystem === true) return "sda";
  if (techniques?.hasFrameworkAgreement === true) return /convenzion/i.test(title) ? "convenzione" : "accordo_quadro";
  return null;
}

/** The plan items among a package's releases; releases at `rejected` paths (invalid against the schema) are left out. */
export function planItemsOf(pkg: Json, rejected: Set<string>): PeerPlanItem[] {
  const items: PeerPlanItem[] = [];
  for (const [ocid, { release, where }] of latestByOcid(pkg)) {
    if (rejected.has(where)) continue;
    const tender = (release.tender ?? {}) as Json;
    const tags: string[] = Array.isArray(release.tag) ? release.tag.map(String) : [];
    if (!release.planning || tender.status !== "planned" || !tags.every((t) => t === "planning" || t === "planningUpdate")) continue;
    const title = cut(String(tender.title ?? release.title ?? "").trim(), 300);
    const parties: Json[] = Array.isArray(release.parties) ? release.parties : [];
    const entityId = tender.procuringEntity?.id ?? release.buyer?.id;
    const party = parties.find((p) => p.id === entityId) ?? parties.find((p) => Array.isArray(p.roles) && (p.roles.includes("procuringEntity") || p.roles.includes("buyer")));
    const partyName = String(party?.name ?? tender.procuringEntity?.name ?? "").trim();
    const { year: periodYear, period } = expectedPeriod(tender.tenderPeriod);
    const year = periodYear ?? Number(/^(\d{4})/.exec(String(release.date ?? ""))?.[1]);
    if (title.length < 3 || partyName.length < 2 || !Number.isInteger(year)) continue;
    const region = regionIn(String(party?.address?.region ?? "")) ?? NATIONAL_REGION;
    const identifier = party?.identifier?.id ? `${party.identifier.scheme ?? "id"}:${party.identifier.id}` : `${String(pkg.publisher?.uri ?? pkg.publisher?.name ?? "ocds")}:${party?.id ?? partyName}`;
    const item = Array.isArray(tender.items) ? tender.items[0] : undefined;
    const amount = Number(tender.value?.amount);
    const instrument = instrumentOf(tender.techniques, title);
    items.push({
      ocid,
      title,
      year,
      expectedPeriod: period,
      estimatedValue: tender.value && (tender.value.currency ?? "EUR") === "EUR" && Number.isFinite(amount) && amount >= 0 ? amount : undefined,
      instrumentType: instrument && (INSTRUMENT_TYPES as readonly string[]).includes(instrument) ? instrument : null,
      cpvCode: item?.classification?.scheme === "CPV" && /^\d{8}-\d$/.test(String(item.classification.id)) ? String(item.classification.id) : undefined,
      categoryName: item?.description ? String(item.description) : undefined,
      aggregator: {
        key: `ocds-party:${identifier}`,
        name: cut(partyName, 200),
        shortName: shortNameOf(partyName),
        kind: kindFromName(partyName, region),
        region,
        territory: region === NATIONAL_REGION ? "Tutto il territorio nazionale" : region,
      },
      example: release.example === true,
    });
  }
  return items;
}
