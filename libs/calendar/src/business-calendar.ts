import {
  MAKE_UP_DEFAULT_WEEKDAY,
  WEEKDAY_KEYS,
  type CalendarDefinition,
  type TimeWindow,
} from './calendar-definition';
import { parseCalendar } from './calendar-validation';
import {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  parseLocalDate,
  parseWallTime,
  weekdayOf,
} from './local-date';
import { instantToWallMs, wallMsToInstant, zoneOffsetMs } from './time-zone';

/** `[start, end)` in epoch ms. */
export type Interval = readonly [number, number];

/** Windows of one date as minutes after local midnight, `[start, end)`. */
type MinuteWindows = readonly (readonly [number, number])[];

/** Bounds the per-calendar cache of converted days (about 27 years of days). */
const DAY_CACHE_LIMIT = 10_000;
/** No real zone is more than 14 h from UTC; used to know a local day cannot start before some instant. */
const MAX_ZONE_OFFSET_MS = 15 * MS_PER_HOUR;

function toMinutes(windows: readonly TimeWindow[] | undefined): MinuteWindows {
  return (windows ?? []).map(
    (window) => [parseWallTime(window.start, false)!, parseWallTime(window.end, true)!] as const,
  );
}

/**
 * A validated definition prepared for fast repeated use: date sets parsed once, each day's windows
 * converted to instants once (cached). Compile once per settings version in a hot path; every
 * operation also accepts a plain definition and compiles it on the spot.
 */
export class BusinessCalendar {
  readonly id: string;
  readonly timeZone: string;
  private readonly weekly: readonly MinuteWindows[];
  private readonly holidays: ReadonlySet<number>;
  private readonly workdays: ReadonlySet<number>;
  private readonly makeUp: MinuteWindows;
  private readonly overrides: ReadonlyMap<number, MinuteWindows>;
  private readonly dayCache = new Map<number, readonly Interval[]>();

  private constructor(readonly definition: CalendarDefinition) {
    this.id = definition.id;
    this.timeZone = definition.timeZone;
    const weekly = definition.weeklyWindows;
    this.weekly = WEEKDAY_KEYS.map((key) => toMinutes(weekly[key]));
    this.holidays = new Set(definition.holidays.map((date) => parseLocalDate(date)!));
    this.workdays = new Set(definition.workdays.map((date) => parseLocalDate(date)!));
    this.makeUp = definition.makeUpWindows
      ? toMinutes(definition.makeUpWindows)
      : toMinutes(weekly[MAKE_UP_DEFAULT_WEEKDAY]);
    this.overrides = new Map(
      Object.entries(definition.dateOverrides ?? {}).map(([date, windows]) => [
        parseLocalDate(date)!,
        toMinutes(windows),
      ]),
    );
  }

  /** Validates (throws `CalendarValidationError` listing every issue) and prepares a definition. */
  static compile(input: CalendarDefinition | BusinessCalendar): BusinessCalendar {
    if (input instanceof BusinessCalendar) return input;
    return new BusinessCalendar(parseCalendar(input));
  }

  /**
   * The windows that apply on a local date. Precedence: a date override, then a holiday (closed),
   * then a make-up workday (make-up windows), then the weekday's windows.
   */
  windowsOn(dayNumber: number): MinuteWindows {
    const override = this.overrides.get(dayNumber);
    if (override) return override;
    if (this.holidays.has(dayNumber)) return [];
    if (this.workdays.has(dayNumber)) return this.makeUp;
    return this.weekly[weekdayOf(dayNumber)];
  }

  /** Local date (day number) of an instant in the calendar's zone. */
  dayNumberOf(epochMs: number): number {
    return Math.floor(instantToWallMs(this.timeZone, epochMs) / MS_PER_DAY);
  }

  /**
   * A date's windows as instants, empty ones (wholly inside a DST gap) dropped. Window starts take
   * the first occurrence of a repeated wall time, ends the last (see time-zone.ts and docs/calendar.md).
   */
  intervalsOn(dayNumber: number): readonly Interval[] {
    const cached = this.dayCache.get(dayNumber);
    if (cached) return cached;
    const windows = this.windowsOn(dayNumber);
    let intervals: Interval[] = [];
    if (windows.length > 0) {
      const midnight = dayNumber * MS_PER_DAY;
      const offsetBefore = zoneOffsetMs(this.timeZone, midnight - MS_PER_DAY);
      const offsetAfter = zoneOffsetMs(this.timeZone, midnight + 2 * MS_PER_DAY);
      // Fast path: no offset change anywhere near this date, so wall time maps by one constant offset.
      const toInstant: (minutes: number, choice: 'earliest' | 'latest') => number =
        offsetBefore === offsetAfter
          ? (minutes: number) => midnight + minutes * MS_PER_MINUTE - offsetBefore
          : (minutes: number, choice: 'earliest' | 'latest') =>
              wallMsToInstant(this.timeZone, midnight + minutes * MS_PER_MINUTE, choice);
      intervals = windows
        .map(([start, end]): Interval => [toInstant(start, 'earliest'), toInstant(end, 'latest')])
        .filter(([start, end]) => end > start);
    }
    if (this.dayCache.size >= DAY_CACHE_LIMIT) this.dayCache.clear();
    this.dayCache.set(dayNumber, intervals);
    return intervals;
  }

  /**
   * Whether `epochMs` lies inside an open interval. The neighbouring dates are checked too: cheap
   * (cached) insurance for zones whose repeated hour could straddle local midnight.
   */
  isOpenAt(epochMs: number): boolean {
    const day = this.dayNumberOf(epochMs);
    for (let d = day - 1; d <= day + 1; d += 1) {
      for (const [start, end] of this.intervalsOn(d)) {
        if (start <= epochMs && epochMs < end) return true;
      }
    }
    return false;
  }

  /**
   * Open intervals, in order, that end after `fromMs`; overlapping or touching intervals are merged
   * (a night shift 22:00-24:00 + 00:00-06:00 is one interval; so are the pieces a fall-back repeat
   * can make overlap). Stops once a local day starts after `untilMs`. Window by window, never minute by minute.
   */
  *intervalsFrom(fromMs: number, untilMs: number): Generator<Interval> {
    let pending: [number, number] | undefined;
    for (let day = this.dayNumberOf(fromMs) - 1; day * MS_PER_DAY - MAX_ZONE_OFFSET_MS <= untilMs; day += 1) {
      for (const [start, end] of this.intervalsOn(day)) {
        if (end <= fromMs) continue;
        if (pending && start <= pending[1]) {
          pending[1] = Math.max(pending[1], end);
        } else {
          if (pending) yield pending;
          pending = [start, end];
        }
      }
    }
    if (pending) yield pending;
  }
}

/** A definition or an already compiled calendar; every operation accepts either. */
export type CalendarInput = CalendarDefinition | BusinessCalendar;

export function compileCalendar(input: CalendarInput): BusinessCalendar {
  return BusinessCalendar.compile(input);
}
