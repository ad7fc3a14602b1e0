import { compileCalendar, type BusinessCalendar, type CalendarInput } from './business-calendar';
import type { Instant, LocalDate, OpenInterval } from './calendar-definition';
import { CalendarArgumentError, CalendarHorizonError } from './calendar-errors';
import { formatLocalDate, MS_PER_DAY, requireLocalDate } from './local-date';

/**
 * How far an operation may look before giving up with `CalendarHorizonError` instead of looping:
 * three years of days. A technical guard against calendars that never open, not a business number.
 */
export const DEFAULT_HORIZON_DAYS = 3 * 366;

export interface SearchOptions {
  /** Overrides `DEFAULT_HORIZON_DAYS`. */
  readonly horizonDays?: number;
}

/** A working day found by `workingDaysAfter`: its date and its first opening and last closing instants. */
export interface WorkingDay {
  readonly date: LocalDate;
  readonly opensAt: Date;
  readonly closesAt: Date;
}

function toEpochMs(instant: Instant, what: string): number {
  const ms = instant instanceof Date ? instant.getTime() : instant;
  if (typeof ms !== 'number' || !Number.isFinite(ms))
    throw new CalendarArgumentError(`${what} is not a valid instant`);
  return ms;
}

function toDuration(durationMs: number): number {
  if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
    throw new CalendarArgumentError(`duration must be a whole, non-negative number of ms, got ${durationMs}`);
  }
  return durationMs;
}

function horizonDays(options: SearchOptions | undefined): number {
  const days = options?.horizonDays ?? DEFAULT_HORIZON_DAYS;
  if (!Number.isSafeInteger(days) || days <= 0)
    throw new CalendarArgumentError(`horizonDays must be a positive integer`);
  return days;
}

function nextOpenMs(calendar: BusinessCalendar, fromMs: number, days: number): number {
  for (const [start] of calendar.intervalsFrom(fromMs, fromMs + days * MS_PER_DAY)) {
    return Math.max(start, fromMs);
  }
  throw new CalendarHorizonError(calendar.id, days, `no open time after ${new Date(fromMs).toISOString()}`);
}

/** Whether the calendar is open at `instant` (windows are `[start, end)`: open at 09:00, closed at 18:00). */
export function isOpen(calendar: CalendarInput, instant: Instant): boolean {
  return compileCalendar(calendar).isOpenAt(toEpochMs(instant, 'instant'));
}

/** `instant` itself when open, else the start of the next open window. */
export function nextOpen(calendar: CalendarInput, instant: Instant, options?: SearchOptions): Date {
  return new Date(nextOpenMs(compileCalendar(calendar), toEpochMs(instant, 'instant'), horizonDays(options)));
}

/**
 * The due time `durationMs` of business time after `start` (R1 SLA due times): only time inside
 * windows counts. Precisely, for a duration > 0 the result is the earliest instant t with
 * `businessTimeBetween(start, t) === durationMs`; it is open, or it is the end of a window when the
 * duration runs out exactly there (a 10-minute task at 17:50 is due at 18:00, not at 09:00 the next day).
 * A zero duration returns `nextOpen(start)`.
 */
export function addBusinessDuration(
  calendar: CalendarInput,
  start: Instant,
  durationMs: number,
  options?: SearchOptions,
): Date {
  const compiled = compileCalendar(calendar);
  const startMs = toEpochMs(start, 'start');
  let remaining = toDuration(durationMs);
  const days = horizonDays(options);
  if (remaining === 0) return new Date(nextOpenMs(compiled, startMs, days));
  for (const [intervalStart, intervalEnd] of compiled.intervalsFrom(startMs, startMs + days * MS_PER_DAY)) {
    const from = Math.max(intervalStart, startMs);
    if (remaining <= intervalEnd - from) return new Date(from + remaining);
    remaining -= intervalEnd - from;
  }
  throw new CalendarHorizonError(
    compiled.id,
    days,
    `${durationMs} ms of business time after ${new Date(startMs).toISOString()} do not fit`,
  );
}

/**
 * Milliseconds of open time in `[a, b)`. When `b` is before `a` the result is negative,
 * `-businessTimeBetween(b, a)`, so "late by" figures keep their sign (K1 reporting).
 */
export function businessTimeBetween(
  calendar: CalendarInput,
  a: Instant,
  b: Instant,
  options?: SearchOptions,
): number {
  const compiled = compileCalendar(calendar);
  const aMs = toEpochMs(a, 'a');
  const bMs = toEpochMs(b, 'b');
  if (bMs < aMs) return -businessTimeBetween(compiled, bMs, aMs, options);
  const days = horizonDays(options);
  if (bMs - aMs > days * MS_PER_DAY) {
    throw new CalendarHorizonError(compiled.id, days, 'the span to measure is not');
  }
  let total = 0;
  for (const [start, end] of compiled.intervalsFrom(aMs, bMs)) {
    if (start >= bMs) break;
    total += Math.min(end, bMs) - Math.max(start, aMs);
  }
  return total;
}

/**
 * `durationMs` of elapsed (calendar) time after `start`, for SLA policies measured in calendar time
 * (R1 "respond 24 h"). Elapsed time ignores windows and DST: 24 h after 12:00 on a fall-back day is
 * 11:00 local. The calendar is validated so both kinds of due time fail the same way on bad settings.
 */
export function addCalendarDuration(calendar: CalendarInput, start: Instant, durationMs: number): Date {
  compileCalendar(calendar);
  return new Date(toEpochMs(start, 'start') + toDuration(durationMs));
}

/** Elapsed ms in `[a, b)`, negative when `b` is before `a`; the calendar-time twin of `businessTimeBetween`. */
export function calendarTimeBetween(calendar: CalendarInput, a: Instant, b: Instant): number {
  compileCalendar(calendar);
  return toEpochMs(b, 'b') - toEpochMs(a, 'a');
}

/** The local date of `instant` in the calendar's zone, `YYYY-MM-DD`. */
export function localDateOf(calendar: CalendarInput, instant: Instant): LocalDate {
  return formatLocalDate(compileCalendar(calendar).dayNumberOf(toEpochMs(instant, 'instant')));
}

/**
 * Whether a local date is a working day: it has open time after holidays, make-up workdays and
 * date overrides are applied (Monday-Friday minus holidays plus 调休 for the China default).
 */
export function isWorkingDay(calendar: CalendarInput, localDate: LocalDate): boolean {
  return compileCalendar(calendar).intervalsOn(requireLocalDate(localDate)).length > 0;
}

/** The open intervals of a local date as instants, e.g. a day's call windows (C5). */
export function openIntervalsOn(calendar: CalendarInput, localDate: LocalDate): OpenInterval[] {
  return compileCalendar(calendar)
    .intervalsOn(requireLocalDate(localDate))
    .map(([start, end]) => ({ start: new Date(start), end: new Date(end) }));
}

/**
 * The `n`-th working day after the local date of `instant`, not counting that date (C2: "within 7
 * working days" -> `workingDaysAfter(cal, t, 7).closesAt`; "3-5 working days later" -> from
 * `workingDaysAfter(cal, t, 3).opensAt` to `workingDaysAfter(cal, t, 5).closesAt`).
 * `n = 0` gives the first working day on or after the local date of `instant`.
 */
export function workingDaysAfter(
  calendar: CalendarInput,
  instant: Instant,
  n: number,
  options?: SearchOptions,
): WorkingDay {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CalendarArgumentError(`n must be a non-negative integer, got ${n}`);
  const compiled = compileCalendar(calendar);
  const days = horizonDays(options);
  const firstDay = compiled.dayNumberOf(toEpochMs(instant, 'instant'));
  let counted = 0;
  for (let day = n === 0 ? firstDay : firstDay + 1; day <= firstDay + days; day += 1) {
    const intervals = compiled.intervalsOn(day);
    if (intervals.length === 0) continue;
    counted += 1;
    if (counted >= Math.max(n, 1)) {
      return {
        date: formatLocalDate(day),
        opensAt: new Date(intervals[0][0]),
        closesAt: new Date(intervals[intervals.length - 1][1]),
      };
    }
  }
  throw new CalendarHorizonError(compiled.id, days, `fewer than ${Math.max(n, 1)} working days`);
}
