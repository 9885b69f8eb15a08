/**
 * The back office shows and reads dates as Italian wall-clock time
 * (Europe/Rome), whatever the server's time zone; the database keeps instants.
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

/** First instant of a calendar year in Rome. */
export function startOfRomeYear(year: number): Date {
  return fromRomeLocal(`${year}-01-01T00:00`)!;
}
