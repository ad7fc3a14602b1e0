import { CalendarArgumentError } from './calendar-errors';
import type { LocalDate, WallTime } from './calendar-definition';

// Units, not business numbers.
export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;
export const MS_PER_HOUR = 60 * MS_PER_MINUTE;
export const MS_PER_DAY = 24 * MS_PER_HOUR;
export const MINUTES_PER_DAY = 24 * 60;
const DAYS_PER_WEEK = 7;
/** 1970-01-01 (day number 0) was a Thursday. */
const WEEKDAY_OF_EPOCH = 4;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^(\d{2}):(\d{2})$/;

/**
 * A local date as a day number: days since 1970-01-01 in the proleptic Gregorian calendar.
 * Returns undefined when the text is not a real `YYYY-MM-DD` date (e.g. `2025-02-30`).
 */
export function parseLocalDate(text: string): number | undefined {
  const match = DATE_PATTERN.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  return Math.floor(date.getTime() / MS_PER_DAY);
}

export function requireLocalDate(text: string): number {
  const dayNumber = typeof text === 'string' ? parseLocalDate(text) : undefined;
  if (dayNumber === undefined)
    throw new CalendarArgumentError(`not a local date YYYY-MM-DD: ${String(text)}`);
  return dayNumber;
}

export function formatLocalDate(dayNumber: number): LocalDate {
  const date = new Date(dayNumber * MS_PER_DAY);
  const year = String(date.getUTCFullYear()).padStart(4, '0');
  const month = String(date.getUTCMonth() + 1).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

/** 0 = Sunday … 6 = Saturday, as `Date#getDay()`. */
export function weekdayOf(dayNumber: number): number {
  return (((dayNumber + WEEKDAY_OF_EPOCH) % DAYS_PER_WEEK) + DAYS_PER_WEEK) % DAYS_PER_WEEK;
}

/**
 * Minutes after local midnight for `HH:mm`; `24:00` only when `allowEndOfDay`.
 * Returns undefined for anything else (`7:00`, `12:60`, `25:00`).
 */
export function parseWallTime(text: string, allowEndOfDay: boolean): number | undefined {
  const match = TIME_PATTERN.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes >= 60) return undefined;
  const total = hours * 60 + minutes;
  if (total < MINUTES_PER_DAY) return total;
  return allowEndOfDay && total === MINUTES_PER_DAY ? total : undefined;
}

export function formatWallTime(minutes: number): WallTime {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
