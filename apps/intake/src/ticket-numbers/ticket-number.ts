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

/** The calendar date of an instant in a time zone, as `YYYY-MM-DD` (I3: the business date). */
export function businessDate(instant: Date, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((part) => part.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** I3: `YYYYMMDD` + the daily sequence zero-padded to `minDigits`, growing past it when needed. */
export function formatTicketNo(date: string, sequence: number, minDigits: number): string {
  return `${date.replace(/-/g, '')}${String(sequence).padStart(minDigits, '0')}`;
}
