// Building an Intl.DateTimeFormat is expensive (it loads zone data): one per zone, reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The last date computed per zone and the minute it was computed for. Zones change their offset (and so
 * their date) only on whole minutes, so an instant in the same UTC minute has the same business date; one
 * formatToParts per minute instead of one per feedback (it showed in intake's profile).
 */
const lastDates = new Map<string, { minute: number; date: string }>();

/** The calendar date of an instant in a time zone, as `YYYY-MM-DD` (I3: the business date). */
export function businessDate(instant: Date, timeZone: string): string {
  const minute = Math.floor(instant.getTime() / 60_000);
  const last = lastDates.get(timeZone);
  if (last?.minute === minute) return last.date;
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((part) => part.type === type)!.value;
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  lastDates.set(timeZone, { minute, date });
  return date;
}

/** I3: `YYYYMMDD` + the daily sequence zero-padded to `minDigits`, growing past it when needed. */
export function formatTicketNo(date: string, sequence: number, minDigits: number): string {
  return `${date.replace(/-/g, '')}${String(sequence).padStart(minDigits, '0')}`;
}
