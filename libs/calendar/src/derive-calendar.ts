import type { CalendarDefinition, LocalDate, TimeWindow, WeekdayKey } from './calendar-definition';
import { parseCalendar } from './calendar-validation';

/**
 * What a store's or department's calendar changes relative to a base calendar (R3 departments, C4 stores).
 * Lists are applied to the inherited ones; anything not mentioned is inherited unchanged.
 */
export interface CalendarOverrides {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly timeZone?: string;
  /** Replaces the windows of the weekdays listed (`[]` closes that weekday); other weekdays are inherited. */
  readonly weeklyWindows?: Readonly<Partial<Record<WeekdayKey, readonly TimeWindow[]>>>;
  /** Added holidays; a date added here is removed from the inherited make-up workdays. */
  readonly addHolidays?: readonly LocalDate[];
  readonly removeHolidays?: readonly LocalDate[];
  /** Added make-up workdays; a date added here is removed from the inherited holidays. */
  readonly addWorkdays?: readonly LocalDate[];
  readonly removeWorkdays?: readonly LocalDate[];
  /** New make-up windows, or `null` to drop the inherited ones (make-up days then use Monday's). */
  readonly makeUpWindows?: readonly TimeWindow[] | null;
  /** Per-date windows merged over the inherited ones; `null` removes an inherited override. */
  readonly dateOverrides?: Readonly<Record<LocalDate, readonly TimeWindow[] | null>>;
}

const copyWindows = (windows: readonly TimeWindow[]): TimeWindow[] =>
  windows.map((window) => ({ start: window.start, end: window.end }));

function applyDates(
  inherited: readonly LocalDate[],
  added: readonly LocalDate[] = [],
  removed: readonly LocalDate[] = [],
): LocalDate[] {
  const result = inherited.filter((date) => !removed.includes(date));
  for (const date of added) if (!result.includes(date)) result.push(date);
  return result.sort();
}

/**
 * A new definition built from `base` with `overrides` applied: a fresh, JSON-serialisable object
 * sharing nothing with `base`. Throws `CalendarValidationError` when the result is invalid.
 */
export function deriveCalendar(base: CalendarDefinition, overrides: CalendarOverrides): CalendarDefinition {
  const weeklyWindows: Partial<Record<WeekdayKey, TimeWindow[]>> = {};
  for (const [key, windows] of Object.entries({ ...base.weeklyWindows, ...overrides.weeklyWindows })) {
    if (windows) weeklyWindows[key as WeekdayKey] = copyWindows(windows);
  }
  const addedHolidays = overrides.addHolidays ?? [];
  const addedWorkdays = overrides.addWorkdays ?? [];
  const holidays = applyDates(base.holidays, addedHolidays, [
    ...(overrides.removeHolidays ?? []),
    ...addedWorkdays,
  ]);
  const workdays = applyDates(base.workdays, addedWorkdays, [
    ...(overrides.removeWorkdays ?? []),
    ...addedHolidays,
  ]);

  const makeUpWindows =
    overrides.makeUpWindows === null ? undefined : (overrides.makeUpWindows ?? base.makeUpWindows);
  const dateOverrides: Record<LocalDate, TimeWindow[]> = {};
  for (const [date, windows] of Object.entries({ ...base.dateOverrides, ...overrides.dateOverrides })) {
    if (windows) dateOverrides[date] = copyWindows(windows);
  }

  const name = overrides.name ?? base.name;
  const description = overrides.description ?? base.description;
  const derived: CalendarDefinition = {
    id: overrides.id,
    ...(name !== undefined && { name }),
    ...(description !== undefined && { description }),
    timeZone: overrides.timeZone ?? base.timeZone,
    weeklyWindows,
    holidays,
    workdays,
    ...(makeUpWindows && { makeUpWindows: copyWindows(makeUpWindows) }),
    ...(Object.keys(dateOverrides).length > 0 && { dateOverrides }),
  };
  return parseCalendar(derived);
}
