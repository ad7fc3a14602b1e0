import {
  MAKE_UP_DEFAULT_WEEKDAY,
  WEEKDAY_KEYS,
  type CalendarDefinition,
  type WeekdayKey,
} from './calendar-definition';
import { CalendarValidationError, type CalendarIssue, type CalendarIssueCode } from './calendar-errors';
import { parseLocalDate, parseWallTime } from './local-date';
import { isValidTimeZone } from './time-zone';

const KNOWN_FIELDS = new Set([
  'id',
  'name',
  'description',
  'timeZone',
  'weeklyWindows',
  'holidays',
  'workdays',
  'makeUpWindows',
  'dateOverrides',
]);

type Issues = CalendarIssue[];

function add(issues: Issues, path: string, code: CalendarIssueCode, message: string): void {
  issues.push({ path, code, message });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a list of windows; returns how many valid windows it holds (0 when broken). */
function checkWindows(issues: Issues, path: string, value: unknown): number {
  if (!Array.isArray(value)) {
    add(issues, path, 'CALENDAR.NOT_AN_ARRAY', 'must be an array of {start, end} windows');
    return 0;
  }
  let previous: { start: number; end: number } | undefined;
  let valid = 0;
  value.forEach((window: unknown, index) => {
    const at = `${path}[${index}]`;
    if (!isRecord(window) || typeof window.start !== 'string' || typeof window.end !== 'string') {
      add(issues, at, 'CALENDAR.BAD_WINDOW', 'must be {start: "HH:mm", end: "HH:mm"}');
      previous = undefined;
      return;
    }
    for (const key of Object.keys(window)) {
      if (key !== 'start' && key !== 'end')
        add(issues, `${at}.${key}`, 'CALENDAR.UNKNOWN_FIELD', 'unknown field');
    }
    const start = parseWallTime(window.start, false);
    const end = parseWallTime(window.end, true);
    if (start === undefined)
      add(issues, `${at}.start`, 'CALENDAR.BAD_TIME', `"${window.start}" is not HH:mm (00:00-23:59)`);
    if (end === undefined)
      add(issues, `${at}.end`, 'CALENDAR.BAD_TIME', `"${window.end}" is not HH:mm (00:01-24:00)`);
    if (start === undefined || end === undefined) {
      previous = undefined;
      return;
    }
    if (end <= start) {
      add(issues, at, 'CALENDAR.EMPTY_WINDOW', `end ${window.end} must be after start ${window.start}`);
      previous = undefined;
      return;
    }
    if (previous && start < previous.start) {
      add(issues, at, 'CALENDAR.WINDOWS_UNSORTED', 'windows must be sorted by start time');
    } else if (previous && start < previous.end) {
      add(
        issues,
        at,
        'CALENDAR.WINDOWS_OVERLAP',
        `starts at ${window.start}, before the previous window ends`,
      );
    } else {
      valid += 1;
    }
    previous = { start, end };
  });
  return valid;
}

function checkDates(issues: Issues, path: string, value: unknown): Set<string> {
  const seen = new Set<string>();
  if (!Array.isArray(value)) {
    add(issues, path, 'CALENDAR.NOT_AN_ARRAY', 'must be an array of "YYYY-MM-DD" dates');
    return seen;
  }
  value.forEach((date: unknown, index) => {
    const at = `${path}[${index}]`;
    if (typeof date !== 'string' || parseLocalDate(date) === undefined) {
      add(issues, at, 'CALENDAR.BAD_DATE', `${JSON.stringify(date)} is not a real date YYYY-MM-DD`);
    } else if (seen.has(date)) {
      add(issues, at, 'CALENDAR.DUPLICATE_DATE', `${date} is listed twice`);
    } else {
      seen.add(date);
    }
  });
  return seen;
}

/**
 * Every problem in a calendar definition, as a list (empty = valid). Accepts `unknown` because the
 * definition usually arrives as JSON from the settings API.
 */
export function validateCalendar(input: unknown): CalendarIssue[] {
  const issues: Issues = [];
  if (!isRecord(input)) {
    add(issues, '', 'CALENDAR.NOT_AN_OBJECT', 'a calendar definition must be a JSON object');
    return issues;
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) add(issues, key, 'CALENDAR.UNKNOWN_FIELD', 'unknown field');
  }
  if (typeof input.id !== 'string' || input.id.trim().length === 0) {
    add(issues, 'id', 'CALENDAR.BAD_ID', 'id must be a non-empty string');
  }
  for (const key of ['name', 'description'] as const) {
    if (input[key] !== undefined && typeof input[key] !== 'string') {
      add(issues, key, 'CALENDAR.BAD_TEXT', `${key} must be a string`);
    }
  }
  if (typeof input.timeZone !== 'string' || !isValidTimeZone(input.timeZone)) {
    add(
      issues,
      'timeZone',
      'CALENDAR.BAD_TIME_ZONE',
      `${JSON.stringify(input.timeZone)} is not an IANA time zone`,
    );
  }

  let anyWindows = false;
  const weekdaysWithWindows = new Set<string>();
  if (!isRecord(input.weeklyWindows)) {
    add(
      issues,
      'weeklyWindows',
      'CALENDAR.NOT_AN_OBJECT',
      'must be an object keyed by weekday "0" (Sunday) to "6"',
    );
  } else {
    for (const [key, windows] of Object.entries(input.weeklyWindows)) {
      if (!WEEKDAY_KEYS.includes(key as WeekdayKey)) {
        add(
          issues,
          `weeklyWindows.${key}`,
          'CALENDAR.BAD_WEEKDAY',
          'weekday keys are "0" (Sunday) to "6" (Saturday)',
        );
        continue;
      }
      if (checkWindows(issues, `weeklyWindows.${key}`, windows) > 0) {
        weekdaysWithWindows.add(key);
        anyWindows = true;
      }
    }
  }

  const holidays = checkDates(issues, 'holidays', input.holidays);
  const workdays = checkDates(issues, 'workdays', input.workdays);
  for (const date of workdays) {
    if (holidays.has(date)) {
      add(
        issues,
        'workdays',
        'CALENDAR.HOLIDAY_AND_WORKDAY',
        `${date} is both a holiday and a make-up workday`,
      );
    }
  }

  let makeUpWindowCount: number | undefined;
  if (input.makeUpWindows !== undefined) {
    makeUpWindowCount = checkWindows(issues, 'makeUpWindows', input.makeUpWindows);
    if (makeUpWindowCount > 0) anyWindows = true;
  }
  const makeUpIsOpen =
    makeUpWindowCount !== undefined
      ? makeUpWindowCount > 0
      : weekdaysWithWindows.has(MAKE_UP_DEFAULT_WEEKDAY);
  if (workdays.size > 0 && !makeUpIsOpen) {
    add(
      issues,
      'makeUpWindows',
      'CALENDAR.NO_MAKE_UP_WINDOWS',
      'make-up workdays are listed but would have no windows: set makeUpWindows (Monday has none to borrow)',
    );
  }

  if (input.dateOverrides !== undefined) {
    if (!isRecord(input.dateOverrides)) {
      add(issues, 'dateOverrides', 'CALENDAR.NOT_AN_OBJECT', 'must be an object keyed by "YYYY-MM-DD"');
    } else {
      for (const [date, windows] of Object.entries(input.dateOverrides)) {
        if (parseLocalDate(date) === undefined) {
          add(issues, `dateOverrides.${date}`, 'CALENDAR.BAD_DATE', `${date} is not a real date YYYY-MM-DD`);
        }
        if (checkWindows(issues, `dateOverrides.${date}`, windows) > 0) anyWindows = true;
      }
    }
  }

  if (!anyWindows && isRecord(input.weeklyWindows)) {
    add(issues, 'weeklyWindows', 'CALENDAR.NO_WINDOWS', 'the calendar has no working windows at all');
  }
  return issues;
}

/** Validates and returns the input typed as a definition; throws `CalendarValidationError` with every issue. */
export function parseCalendar(input: unknown): CalendarDefinition {
  const issues = validateCalendar(input);
  if (issues.length > 0) {
    const id = isRecord(input) && typeof input.id === 'string' ? input.id : undefined;
    throw new CalendarValidationError(id, issues);
  }
  return input as CalendarDefinition;
}
