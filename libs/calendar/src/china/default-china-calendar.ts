/**
 * Seeded default definitions. These numbers are settings data (rules.md "Business time zone default"):
 * the services copy them into their settings tables once and admins change them there.
 */
import type { CalendarDefinition, LocalDate, TimeWindow } from '../calendar-definition';
import { deriveCalendar } from '../derive-calendar';
import { formatLocalDate, parseLocalDate } from '../local-date';
import { CHINA_HOLIDAY_ARRANGEMENTS, type HolidayArrangement } from './china-holidays';

/** Every day off and every make-up workday of the given arrangements, sorted. */
export function expandHolidayArrangements(arrangements: readonly HolidayArrangement[]): {
  holidays: LocalDate[];
  workdays: LocalDate[];
} {
  const holidays: LocalDate[] = [];
  const workdays: LocalDate[] = [];
  for (const { periods } of arrangements) {
    for (const period of periods) {
      for (let day = parseLocalDate(period.from)!; day <= parseLocalDate(period.to)!; day += 1) {
        holidays.push(formatLocalDate(day));
      }
      workdays.push(...period.makeUpWorkdays);
    }
  }
  return { holidays: holidays.sort(), workdays: workdays.sort() };
}

// Seeded office hours: 09:00-12:00 and 13:30-18:00 (lunch break in between), Monday to Friday.
const OFFICE_HOURS: readonly TimeWindow[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];

/**
 * The default business calendar (R1 due times, C2 working days): Asia/Shanghai, Monday-Friday office
 * hours, minus the public holidays and plus the make-up workdays of the seeded State Council notices.
 * Make-up workdays use Monday's windows (no `makeUpWindows`), so they follow office-hour edits.
 * Returns a fresh object each call.
 */
export function defaultChinaCalendar(): CalendarDefinition {
  const { holidays, workdays } = expandHolidayArrangements(CHINA_HOLIDAY_ARRANGEMENTS);
  return {
    id: 'cn-default',
    name: '中国大陆默认工作日历',
    timeZone: 'Asia/Shanghai',
    weeklyWindows: {
      1: [...OFFICE_HOURS],
      2: [...OFFICE_HOURS],
      3: [...OFFICE_HOURS],
      4: [...OFFICE_HOURS],
      5: [...OFFICE_HOURS],
    },
    holidays,
    workdays,
  };
}

// C5 call windows: 10:00-11:30 (not on Mondays) and 14:00-16:30, business time zone, working days only.
const MORNING_CALLS: TimeWindow = { start: '10:00', end: '11:30' };
const AFTERNOON_CALLS: TimeWindow = { start: '14:00', end: '16:30' };

/**
 * Seed for the callbacks service's call windows (C5), derived from the default calendar so it shares
 * its holidays and make-up workdays. A make-up workday gets both call windows (it is not a Monday).
 */
export function defaultChinaCallWindowsCalendar(): CalendarDefinition {
  const both = [MORNING_CALLS, AFTERNOON_CALLS];
  return deriveCalendar(defaultChinaCalendar(), {
    id: 'cn-default-call-windows',
    name: '回访通话时段（C5）',
    weeklyWindows: { 1: [AFTERNOON_CALLS], 2: both, 3: both, 4: both, 5: both },
    makeUpWindows: both,
  });
}
