/**
 * Dates as people in Italy read them, whatever the server's time zone: the
 * calendar day in Italy, and the back office's wall-clock times (Europe/Rome)
 * read from and written to datetime-local inputs. The database keeps instants
 * and ISO days. The one module for date arithmetic; display formatting is in
 * format.ts.
 */
const ROME = "Europe/Rome";


const parts = new Intl.DateTimeFormat("en-CA", {
  timeZone: ROME,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** "YYYY-MM-DDTHH:MM" in Rome for an instant (the value of a datetime-local input). */
export function toRomeLocal(date: Date): string {
  const p = Object.fromEntries(parts.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** The instant of a Rome wall-clock "YYYY-MM-DDTHH:MM", or null when it is not a real time. */
export function fromRomeLocal(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(asUtc)) return null;
  // Rome is UTC+1 or UTC+2: try both offsets and keep the one that reads back as the same wall clock.
  for (const offsetHours of [1, 2]) {
    const candidate = new Date(asUtc - offsetHours * 3_600_000);
    if (toRomeLocal(candidate) === value) return candidate;
  }
  return null;
}

/** Midnight in Rome at the start of a "YYYY-MM-DD" day, or null when it is not a real day. */
export function startOfRomeDay(isoDate: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return null;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (day.toISOString().slice(0, 10) !== isoDate) return null;
  return fromRomeLocal(`${isoDate}T00:00`);
}

/** First instant of a calendar year in Rome. */
export function startOfRomeYear(year: number): Date {
  return fromRomeLocal(`${year}-01-01T00:00`)!;
}

// Built once: constructing an Intl formatter costs more than the catalog query it serves.
const italianDay = new Intl.DateTimeFormat("en-CA", { timeZone: ROME });

/** Today's date in Italy as YYYY-MM-DD. */
export function todayInItaly(now = new Date()): string {
  return italianDay.format(now);
}

/** The ISO day `days` after `isoDate` (negative for before). */
export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const romeYear = new Intl.DateTimeFormat("en", { year: "numeric", timeZone: ROME });

/** The calendar year in Italy of an instant. */
export function yearInItaly(date: Date): number {
  return Number(romeYear.format(date));
}
