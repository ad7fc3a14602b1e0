import { DomainError } from '@closeloop/contracts';

/** An ISO week (`2026-W49`): Monday to Monday in the business time zone (R7 weekly compliance, R8). */
const ISO_WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (calendar arithmetic only, no zone). */
function dayNumber(date: string): number {
  return Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export interface BusinessWeek {
  /** `YYYY-Www` */
  week: string;
  /** The local dates of its Monday and of the next Monday (exclusive). */
  monday: string;
  nextMonday: string;
}

/** The ISO week a local date belongs to (the week with that year's first Thursday is week 1). */
export function weekOfDate(date: string): BusinessWeek {
  const day = dayNumber(date);
  const weekday = (new Date(day * DAY_MS).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const monday = day - weekday;
  const thursday = monday + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const week = Math.floor((thursday - dayNumber(`${year}-01-01`)) / 7) + 1;
  return {
    week: `${year}-W${String(week).padStart(2, '0')}`,
    monday: dateOf(monday),
    nextMonday: dateOf(monday + 7),
  };
}

/** The week named `YYYY-Www`; 400 when it names no week. */
export function parseWeek(week: string, field = 'week'): BusinessWeek {
  const match = ISO_WEEK_PATTERN.exec(week);
  if (match) {
    const jan4 = dayNumber(`${match[1]}-01-04`); // always in week 1
    const firstMonday = jan4 - ((new Date(jan4 * DAY_MS).getUTCDay() + 6) % 7);
    const candidate = weekOfDate(dateOf(firstMonday + (Number(match[2]) - 1) * 7));
    if (candidate.week === week) return candidate;
  }
  throw new DomainError('VALIDATION_FAILED', undefined, [
    { field, message: 'must be an ISO week that exists, like 2026-W49' },
  ]);
}

/** The week `n` weeks before (negative: after) the given one. */
export function weekBefore(week: BusinessWeek, n: number): BusinessWeek {
  return weekOfDate(dateOf(dayNumber(week.monday) - 7 * n));
}
