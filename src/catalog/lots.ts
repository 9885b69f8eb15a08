/**
 * Lots as first-class: each with its own status, dates, used and remaining
 * ceiling and page (/convenzioni/<slug>/lotti/<number>), and the rows of the
 * comparison page, which lines up lots rather than conventions.
 */
import { eq, inArray } from "drizzle-orm";
import { aggregators, tools, type ConventionStatus } from "@db/schema";
import { getDb } from "@/lib/db";
import { todayInItaly } from "@/lib/dates";
import { formatDate, formatEuro } from "@/lib/format";
import { getConventionPage } from "./read";
import { compareConventions, type ConventionSummary, type LotSummary } from "./search";
import { instrumentState, joiningRule, type InstrumentState, type Joining } from "./instrument-states";
import { NATIONAL_REGION } from "./labels";

/** Share of a lot's ceiling used at which its watchers are warned. */
export const LOT_NEARLY_EXHAUSTED_PCT = 90;

/** A lot as its page, the comparison and the alerts see it: own values where set, the convention's otherwise. */
export interface LotView {
  conventionId: number;
  number: number;
  name: string;
  region: string;
  territory: string;
  supplier: string | null;
  cig: string | null;
  ceilingValue: number | null;
  usedValue: number | null;
  remainingValue: number | null;
  /** Whole per cent of the ceiling used, or null without both amounts. */
  sharePct: number | null;
  /** The status that holds today (see `effectiveLotStatus`). */
  status: ConventionStatus;
  startDate: string | null;
  endDate: string | null;
  /** Whole months from today to the end date (0 in the last month), or null without an end date or once ended. */
  monthsLeft: number | null;
  path: string;
}

/** "Lotto 2 – Lazio": the lot's name, led by its number unless the name already starts with "Lotto". */
export function lotTitle(lot: { number: number; name: string }): string {
  return /^lotto\b/i.test(lot.name) ? lot.name : `Lotto ${lot.number} – ${lot.name}`;
}

/** Whole calendar months from `today` to `end` (both YYYY-MM-DD); null when `end` has passed. */
export function monthsBetween(today: string, end: string): number | null {
  if (end < today) return null;
  const [ty, tm, td] = today.split("-").map(Number) as [number, number, number];
  const [ey, em, ed] = end.split("-").map(Number) as [number, number, number];
  return Math.max(0, (ey - ty) * 12 + (em - tm) - (ed < td ? 1 : 0));
}

/**
 * The status a lot really has today: its own (or the convention's), except
 * that an active lot whose ceiling is used up is exhausted and one whose end
 * date has passed is expired, whatever was last saved.
 */
export function effectiveLotStatus(
  stored: ConventionStatus,
  facts: { ceilingValue: number | null; usedValue: number | null; endDate: string | null },
  today: string,
): ConventionStatus {
  if (stored !== "active") return stored;
  if (facts.endDate && facts.endDate < today) return "expired";
  if (facts.ceilingValue !== null && facts.ceilingValue > 0 && facts.usedValue !== null && facts.usedValue >= facts.ceilingValue) return "exhausted";
  return "active";
}

export function lotView(
  lot: LotSummary,
  convention: { slug: string; status: ConventionStatus; startDate: string | null; endDate: string | null },
  today: string,
): LotView {
  const startDate = lot.startDate ?? convention.startDate;
  const endDate = lot.endDate ?? convention.endDate;
  const { ceilingValue, usedValue } = lot;
  const status = effectiveLotStatus(lot.status ?? convention.status, { ceilingValue, usedValue, endDate }, today);
  const hasUse = ceilingValue !== null && ceilingValue > 0 && usedValue !== null;
  return {
    conventionId: lot.conventionId,
    number: lot.number,
    name: lot.name,
    region: lot.region,
    territory: lot.territory,
    supplier: lot.supplier,
    cig: lot.cig,
    ceilingValue,
    usedValue,
    remainingValue: hasUse ? Math.max(0, ceilingValue - usedValue) : null,
    sharePct: hasUse ? Math.min(100, Math.round((usedValue / ceilingValue) * 100)) : null,
    status,
    startDate,
    endDate,
    monthsLeft: endDate && status !== "expired" ? monthsBetween(today, endDate) : null,
    path: `/convenzioni/${convention.slug}/lotti/${lot.number}`,
  };
}

/** The lots of a convention as views. */
export function lotViews(convention: ConventionSummary, today: string): LotView[] {
  return convention.lots.map((l) => lotView(l, convention, today));
}

/** A lot page: the lot, its convention, the ordering platform and the state table's entry. */
export async function getLotPage(slug: string, numberParam: string) {
  if (!/^\d{1,4}$/.test(numberParam)) return null;
  const page = await getConventionPage(slug);
  if (!page) return null;
  const number = Number(numberParam);
  const lot = page.convention.lots.find((l) => l.number === number);
  if (!lot) return null;
  const view = lotView(lot, page.convention, page.today);
  return { ...page, lot: view, state: instrumentState(page.convention.instrumentType, view.status) };
}

/** One lot on the comparison page, with its instrument and what joining it means. */
export interface ComparisonLot {
  convention: ConventionSummary;
  lot: LotView;
  state: InstrumentState;
  joining: Joining;
  /** The aggregator's e-procurement platform, where the buyer orders (or delegates), or null when not recorded. */
  platform: { name: string; url: string | null } | null;
}

export interface LotComparison {
  national: ComparisonLot[];
  regional: ComparisonLot[];
  /** Plain-language sentences on how the two sides differ (or why there is only one). */
  summary: string[];
}

/** A convention without lots still compares: as one lot covering its aggregator's territory. */
function lotsOf(convention: ConventionSummary): LotSummary[] {
  if (convention.lots.length > 0) return convention.lots;
  return [
    {
      conventionId: convention.id,
      number: 1,
      name: convention.title,
      region: convention.aggregator.region,
      territory: "",
      supplier: null,
      ceilingValue: convention.ceilingValue,
      cig: convention.cig,
      usedValue: convention.usedValue,
      status: null,
      startDate: null,
      endDate: null,
    },
  ];
}

type Platforms = Map<string, { name: string; url: string | null }>;

function comparisonLots(conventions: ConventionSummary[], regions: string[], today: string, platforms: Platforms): ComparisonLot[] {
  return conventions.flatMap((c) =>
    lotsOf(c)
      .filter((l) => regions.includes(l.region))
      .map((l) => {
        const lot = lotView(l, c, today);
        if (c.lots.length === 0) lot.path = `/convenzioni/${c.slug}`;
        return {
          convention: c,
          lot,
          state: instrumentState(c.instrumentType, lot.status),
          joining: joiningRule(c.category.id, c.aggregator.kind),
          platform: platforms.get(c.aggregator.id) ?? null,
        };
      }),
  );
}


/** The plain-language summary under the table. */
export function comparisonSummary(national: ComparisonLot[], regional: ComparisonLot[], region: string, categoryName: string): string[] {
  const open = (side: ComparisonLot[]) => side.filter((s) => s.lot.status === "active");
  const n = open(national)[0];
  const r = open(regional)[0];
  if (national.length === 0 && regional.length === 0) {
    return [`Per ${categoryName} non c'è né un lotto nazionale né un lotto regionale che copra ${region}.`];
  }
  if (regional.length === 0) {
    return [
      `In ${region} non c'è un lotto regionale per ${categoryName}: c'è solo l'offerta nazionale.`,
      n ? `Il lotto nazionale «${n.lot.name}» è utilizzabile fino al ${formatShort(n.lot.endDate)}.` : "Nessun lotto nazionale è però utilizzabile oggi.",
    ];
  }
  if (national.length === 0) {
    return [
      `Per ${categoryName} non c'è un lotto nazionale che copra ${region}: c'è solo l'offerta regionale.`,
      r ? `Il lotto regionale «${r.lot.name}» è utilizzabile fino al ${formatShort(r.lot.endDate)}.` : "Nessun lotto regionale è però utilizzabile oggi.",
    ];
  }
  if (!n && !r) return ["Né il lotto nazionale né quello regionale sono utilizzabili oggi: conviene chiedere un avviso per le prossime edizioni."];
  if (!n) return [`Oggi è utilizzabile solo il lotto regionale «${r!.lot.name}»: quello nazionale non accetta nuovi acquisti.`];
  if (!r) return [`Oggi è utilizzabile solo il lotto nazionale «${n.lot.name}»: quello regionale non accetta nuovi acquisti.`];
  const lines: string[] = [];
  if (n.lot.remainingValue !== null && r.lot.remainingValue !== null) {
    const more = n.lot.remainingValue >= r.lot.remainingValue ? n : r;
    lines.push(
      `Resta più massimale nel lotto ${more === n ? "nazionale" : "regionale"} (${formatEuro(more.lot.remainingValue!)} contro ${formatEuro((more === n ? r : n).lot.remainingValue!)}).`,
    );
  }
  if (n.lot.sharePct !== null && r.lot.sharePct !== null && n.lot.sharePct !== r.lot.sharePct) {
    const fuller = n.lot.sharePct > r.lot.sharePct ? n : r;
    lines.push(`Il lotto ${fuller === n ? "nazionale" : "regionale"} è il più utilizzato: ${fuller.lot.sharePct}% contro ${(fuller === n ? r : n).lot.sharePct}%.`);
  }
  if (n.lot.endDate && r.lot.endDate && n.lot.endDate !== r.lot.endDate) {
    const sooner = n.lot.endDate < r.lot.endDate ? n : r;
    lines.push(`Il lotto ${sooner === n ? "nazionale" : "regionale"} scade prima, il ${formatShort(sooner.lot.endDate)}.`);
  }
  if (n.lot.supplier && r.lot.supplier) {
    // Company names often end with a full stop ("S.r.l."): no second one after them.
    const end = (text: string) => (text.endsWith(".") ? text : `${text}.`);
    lines.push(n.lot.supplier === r.lot.supplier ? end(`Il fornitore è lo stesso: ${n.lot.supplier}`) : end(`I fornitori sono diversi: ${n.lot.supplier} per il nazionale, ${r.lot.supplier} per il regionale`));
  }
  if (n.convention.instrumentType !== r.convention.instrumentType) {
    lines.push(`Si acquista in modo diverso: ${n.state.actionLabel?.toLowerCase()} (nazionale) oppure ${r.state.actionLabel?.toLowerCase()} (regionale).`);
  }
  if (n.joining.label !== r.joining.label) lines.push(`Adesione: ${n.joining.label.toLowerCase()} per il nazionale, ${r.joining.label.toLowerCase()} per il regionale.`);
  return lines.length > 0 ? lines : ["I due lotti hanno condizioni equivalenti per i dati disponibili."];
}

function formatShort(date: string | null): string {
  return date ? formatDate(date) : "data non comunicata";
}

/** The comparison: national lots covering the region and the regional aggregators' lots for it, row by row. */
export async function compareLots(categoryId: string, categoryName: string, region: string, today = todayInItaly()): Promise<LotComparison> {
  const { national, regional } = await compareConventions(categoryId, region);
  const ids = [...new Set([...national, ...regional].map((c) => c.aggregator.id))];
  const db = await getDb();
  const rows = ids.length
    ? await db
        .select({ aggregatorId: aggregators.id, name: tools.name, url: tools.url })
        .from(aggregators)
        .innerJoin(tools, eq(tools.id, aggregators.platformId))
        .where(inArray(aggregators.id, ids))
    : [];
  const platforms: Platforms = new Map(rows.map((r) => [r.aggregatorId, { name: r.name, url: r.url }]));
  const nationalLots = comparisonLots(national, [region, NATIONAL_REGION], today, platforms);
  const regionalLots = comparisonLots(regional, [region], today, platforms);
  return { national: nationalLots, regional: regionalLots, summary: comparisonSummary(nationalLots, regionalLots, region, categoryName) };
}
