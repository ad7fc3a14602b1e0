/**
 * A business calendar is plain, JSON-serialisable data. Services keep these definitions as settings
 * (`PUT /api/v1/settings/calendar`); this library only reads them. See docs/calendar.md.
 */

/** A local calendar date in the calendar's zone, `YYYY-MM-DD`. */
export type LocalDate = string;

/** A local wall-clock time, `HH:mm`, 24-hour. `24:00` is allowed as a window end (end of the day). */
export type WallTime = string;

/** Open from `start` (inclusive) to `end` (exclusive), local wall-clock time of one date. */
export interface TimeWindow {
  readonly start: WallTime;
  readonly end: WallTime;
}

/** Weekday keys as in `Date#getDay()`: `'0'` Sunday, `'1'` Monday … `'6'` Saturday. */
export type WeekdayKey = '0' | '1' | '2' | '3' | '4' | '5' | '6';

export const WEEKDAY_KEYS: readonly WeekdayKey[] = ['0', '1', '2', '3', '4', '5', '6'];

/** Windows of a make-up workday when `makeUpWindows` is absent: Monday's (see docs/calendar.md). */
export const MAKE_UP_DEFAULT_WEEKDAY: WeekdayKey = '1';

export interface CalendarDefinition {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  /** IANA zone name, e.g. `Asia/Shanghai`, `Europe/Berlin`. */
  readonly timeZone: string;
  /** Working windows per weekday, sorted, not overlapping. A missing or empty weekday is closed. */
  readonly weeklyWindows: Readonly<Partial<Record<WeekdayKey, readonly TimeWindow[]>>>;
  /** Dates that are closed whatever their weekday (public holidays, 放假). */
  readonly holidays: readonly LocalDate[];
  /** Make-up working days (调休上班), usually weekends; they use `makeUpWindows`. */
  readonly workdays: readonly LocalDate[];
  /** Windows of a make-up workday; absent means Monday's windows. */
  readonly makeUpWindows?: readonly TimeWindow[];
  /** Windows for one specific date; wins over everything else. `[]` closes the date. */
  readonly dateOverrides?: Readonly<Record<LocalDate, readonly TimeWindow[]>>;
}

/** An open interval of absolute time, epoch milliseconds, `[start, end)`. */
export interface OpenInterval {
  readonly start: Date;
  readonly end: Date;
}

/** Anything accepted where an instant is expected: a `Date` or epoch milliseconds (UTC). */
export type Instant = Date | number;
