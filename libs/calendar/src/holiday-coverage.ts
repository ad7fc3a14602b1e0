import type { CalendarDefinition, LocalDate } from './calendar-definition';

/**
 * The years from `from` to `to` (local dates, inclusive) for which a calendar that keeps holiday data has
 * none: neither a holiday nor a make-up workday. China's arrangement for a year is published only months
 * before it starts (docs/calendar.md), so a calendar seeded with it runs out; without next year's dates
 * every holiday of that year would count as a working day. A calendar without any holiday data (24/7, or a
 * zone whose holidays nobody entered) is taken as intended and never reported, and neither are years before
 * its first data.
 */
export function yearsWithoutHolidayData(
  definition: Pick<CalendarDefinition, 'holidays' | 'workdays'>,
  from: LocalDate,
  to: LocalDate,
): number[] {
  const covered = new Set([...definition.holidays, ...definition.workdays].map((date) => yearOf(date)));
  if (covered.size === 0) return [];
  const first = Math.min(...covered);
  const missing: number[] = [];
  for (let year = Math.max(yearOf(from), first); year <= yearOf(to); year++) {
    if (!covered.has(year)) missing.push(year);
  }
  return missing;
}

function yearOf(date: LocalDate): number {
  return Number(date.slice(0, 4));
}
