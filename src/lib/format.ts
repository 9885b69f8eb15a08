/** Italian formatting for dates, money and numbers. */
const dateFormat = new Intl.DateTimeFormat("it-IT", { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Rome" });
const dateTimeFormat = new Intl.DateTimeFormat("it-IT", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Rome" });
const euroFormat = new Intl.NumberFormat("it-IT", { style: "currency", currency: "EUR", maximumFractionDigits: 0 });
const numberFormat = new Intl.NumberFormat("it-IT");

/** Accepts a Date or an ISO date string (YYYY-MM-DD). */
export function formatDate(value: Date | string): string {
  const date = typeof value === "string" ? new Date(`${value.slice(0, 10)}T12:00:00Z`) : value;
  return dateFormat.format(date);
}

export function formatDateTime(value: Date): string {
  return dateTimeFormat.format(value);
}

/** Amounts are stored in euro cents. */
export function formatEuro(cents: number): string {
  return euroFormat.format(cents / 100);
}

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

/** "1 lezione", "3 lezioni": a count with the noun in agreement. */
export function countOf(n: number, singular: string, plural: string): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}

/** Summary of a filter group in the alert forms: neutral, so it agrees with any legend. */
export function selectionLabel(n: number): string {
  return n === 0 ? "nessun filtro" : countOf(n, "selezione", "selezioni");
}

/** What remains of something: "ne resta 1", "ne restano 3". */
export function remaining(n: number): string {
  return n === 1 ? "ne resta 1" : `ne restano ${formatNumber(n)}`;
}

/** The use of a ceiling in words, or null below 90%: once fully used it is exhausted, not "almost". */
export function ceilingWarning(used: number, ceiling: number): string | null {
  if (ceiling <= 0) return null;
  if (used >= ceiling) return "esaurito";
  if (used / ceiling >= 0.9) return "quasi esaurito";
  return null;
}
