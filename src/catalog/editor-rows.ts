/**
 * Repeated rows of the back-office forms (the lots of a convention) as real
 * fields named `lots.<row>.<field>`, without JavaScript: the editor shows the
 * stored rows plus an empty one, «Aggiungi un lotto» shows one more, each row
 * has «Elimina» and up/down buttons. One table, LOT_FIELDS, drives decoding,
 * the stored values, the labels, the form and the audit: a new lot field is
 * one line there (plus its column and its seed-schema rule).
 */
import type { conventionLots } from "@db/schema";
import type { FormValues } from "@/lib/forms";

type StoredLot = typeof conventionLots.$inferSelect;

export const optional = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim());

/** "1.234.567,50", "1234567.5" or "1234567" → euro; anything else is passed on for zod to refuse. */
export function euro(value: string | undefined): number | string | undefined {
  const v = optional(value);
  if (v === undefined) return undefined;
  const normalised = /,/.test(v) ? v.replace(/\./g, "").replace(",", ".") : /^\d{1,3}(\.\d{3})+$/.test(v) ? v.replace(/\./g, "") : v;
  const n = Number(normalised.replace(/\s|€/g, ""));
  return Number.isFinite(n) && normalised !== "" ? n : v;
}

export function integer(value: string | undefined): number | string | undefined {
  const v = optional(value);
  if (v === undefined) return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
}

export const euroText = (cents: number | null) => (cents === null ? "" : String(cents / 100));

/** How a lot field is edited. */
export type LotFieldKind = "number" | "text" | "region" | "euro" | "status" | "date";

export interface LotField {
  /** The key in the seed schema (LotSeed) and in the form (`lots.<row>.<key>`). */
  key: string;
  label: string;
  kind: LotFieldKind;
  /** Form text → seed value (undefined when empty). */
  decode: (value: string | undefined) => unknown;
  /** Stored row → form text. */
  stored: (lot: StoredLot) => string;
  /** Stored column compared by the audit (its values are shown as they are stored). */
  column: keyof StoredLot;
  hint?: string;
  /** Its share of a row of the form on wider screens (it takes the full width on phones). */
  width: "narrow" | "wide" | "half";
}

/** The fields of a lot, in form order. */
export const LOT_FIELDS: readonly LotField[] = [
  { key: "number", label: "Numero", kind: "number", width: "narrow", decode: integer, stored: (l) => String(l.number), column: "number" },
  { key: "name", label: "Nome del lotto", kind: "text", width: "wide", decode: optional, stored: (l) => l.name, column: "name" },
  { key: "region", label: "Regione", kind: "region", width: "half", decode: optional, stored: (l) => l.region, column: "region" },
  { key: "territory", label: "Territorio", kind: "text", width: "half", decode: (v) => v?.trim() ?? "", stored: (l) => l.territory, column: "territory" },
  { key: "supplier", label: "Fornitore", kind: "text", width: "half", decode: optional, stored: (l) => l.supplier ?? "", column: "supplier" },
  { key: "ceiling", label: "Massimale (euro)", kind: "euro", width: "half", decode: euro, stored: (l) => euroText(l.ceilingValue), column: "ceilingValue" },
  { key: "cig", label: "CIG del lotto", kind: "text", width: "half", decode: (v) => optional(v)?.toUpperCase(), stored: (l) => l.cig ?? "", column: "cig", hint: "10 caratteri; se manca vale il CIG della convenzione." },
  { key: "used", label: "Importo utilizzato (euro)", kind: "euro", width: "half", decode: euro, stored: (l) => euroText(l.usedValue), column: "usedValue" },
  { key: "status", label: "Stato del lotto", kind: "status", width: "half", decode: optional, stored: (l) => l.status ?? "", column: "status", hint: "Se non lo scegli vale lo stato della convenzione." },
  { key: "startDate", label: "Lotto attivo dal", kind: "date", width: "half", decode: optional, stored: (l) => l.startDate ?? "", column: "startDate", hint: "Primo giorno in cui si può ordinare sul lotto; se manca vale la data della convenzione." },
  { key: "endDate", label: "Lotto attivo fino al", kind: "date", width: "half", decode: optional, stored: (l) => l.endDate ?? "", column: "endDate", hint: "Ultimo giorno utile per ordinare; se manca vale la data della convenzione." },
];

/** The label of a lot field by key or by stored column (for the error summary and the audit log). */
export function lotFieldLabel(keyOrColumn: string): string {
  return LOT_FIELDS.find((f) => f.key === keyOrColumn || f.column === keyOrColumn)?.label ?? keyOrColumn;
}

/** One row of the form: its field texts and whether «Elimina» is ticked. */
export interface LotRow {
  values: Record<string, string>;
  remove: boolean;
}

const LOT_KEY = /^lots\.(\d{1,3})\.(\w+)$/;
/** Rows a form may carry; more are ignored (a convention has a few dozen lots at most). */
export const MAX_LOT_ROWS = 200;

const isBlank = (row: LotRow) => LOT_FIELDS.every((f) => (row.values[f.key] ?? "").trim() === "");

/**
 * The rows of posted form values, in row order, without empty rows and
 * without the rows whose «Elimina» is ticked: the rows that are saved, and
 * whose positions the error messages use.
 */
export function postedLotRows(values: FormValues): LotRow[] {
  const byIndex = new Map<number, LotRow>();
  for (const [name, value] of Object.entries(values)) {
    const match = LOT_KEY.exec(name);
    if (!match) continue;
    const index = Number(match[1]);
    if (index >= MAX_LOT_ROWS) continue;
    const row = byIndex.get(index) ?? { values: {}, remove: false };
    if (match[2] === "remove") row.remove = value === "1";
    else if (LOT_FIELDS.some((f) => f.key === match[2])) row.values[match[2]!] = value;
    byIndex.set(index, row);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, row]) => row)
    .filter((row) => !row.remove && !isBlank(row));
}

/** The seed-shaped lots of posted form values. */
export function decodeLots(values: FormValues): Record<string, unknown>[] {
  return postedLotRows(values).map((row) => Object.fromEntries(LOT_FIELDS.map((f) => [f.key, f.decode(row.values[f.key])])));
}

/** Stored lots as form values (`lots.<row>.<key>`). */
export function lotFormValues(lots: StoredLot[]): FormValues {
  const values: FormValues = {};
  lots.forEach((lot, i) => {
    for (const f of LOT_FIELDS) values[`lots.${i}.${f.key}`] = f.stored(lot);
  });
  return values;
}

/** The row buttons of the form: `azione` values. */
export const LOT_ACTIONS = { add: "lotto-aggiungi", up: "lotto-su-", down: "lotto-giu-" } as const;

/** Whether a posted `azione` is a row button (shows the form again, saves nothing). */
export function isLotAction(action: unknown): boolean {
  return typeof action === "string" && (action === LOT_ACTIONS.add || /^lotto-(su|giu)-\d{1,3}$/.test(action));
}

/**
 * The rows to show: the posted (or stored) rows, with a row button applied,
 * then one empty row to fill in. Moving a lot up or down swaps it with its
 * neighbour and keeps the numbers in place, so the order shown is the order
 * saved (lots are listed by number).
 */
export function lotRowsToShow(values: FormValues, action?: unknown): Record<string, string>[] {
  const rows = postedLotRows(values).map((r) => r.values);
  const move = typeof action === "string" ? /^lotto-(su|giu)-(\d{1,3})$/.exec(action) : null;
  if (move) {
    const i = Number(move[2]);
    const j = move[1] === "su" ? i - 1 : i + 1;
    if (rows[i] && rows[j]) {
      const [a, b] = [rows[i]!, rows[j]!];
      rows[i] = { ...b, number: a.number ?? "" };
      rows[j] = { ...a, number: b.number ?? "" };
    }
  }
  const blank = () => Object.fromEntries(LOT_FIELDS.map((f) => [f.key, ""]));
  rows.push(blank());
  if (action === LOT_ACTIONS.add) rows.push(blank());
  return rows;
}

/** Labels of every row field for the error summary: "Lotto 2 – Nome del lotto". */
export function lotErrorLabels(rowCount: number): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < rowCount; i++) for (const f of LOT_FIELDS) labels[`lots.${i}.${f.key}`] = `Lotto ${i + 1} – ${f.label}`;
  return labels;
}
