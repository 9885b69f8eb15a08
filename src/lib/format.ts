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
