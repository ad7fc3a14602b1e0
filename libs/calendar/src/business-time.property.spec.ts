import fc from 'fast-check';
import {
  addBusinessDuration,
  businessTimeBetween,
  compileCalendar,
  defaultChinaCalendar,
  defaultChinaCallWindowsCalendar,
  isOpen,
  nextOpen,
  type BusinessCalendar,
  type CalendarDefinition,
  type TimeWindow,
  type WeekdayKey,
} from '@closeloop/calendar';
import { formatLocalDate, formatWallTime, weekdayOf } from './local-date';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const FROM = Date.UTC(2024, 0, 1);
const TO = Date.UTC(2026, 11, 1);

// ---- calendars -------------------------------------------------------------------------------------

const nightAndDay: TimeWindow[] = [
  { start: '01:00', end: '04:00' },
  { start: '09:00', end: '17:00' },
  { start: '22:00', end: '24:00' },
];
/** DST zones with windows that straddle the changes, midnight-touching windows, and a make-up day. */
const dstCalendar = (timeZone: string): CalendarDefinition => ({
  id: `dst-${timeZone}`,
  timeZone,
  weeklyWindows: {
    0: nightAndDay,
    1: nightAndDay,
    3: [{ start: '02:00', end: '02:30' }],
    5: nightAndDay,
    6: [{ start: '00:00', end: '03:00' }],
  },
  holidays: ['2025-12-25'],
  workdays: ['2025-03-29'],
});

const zones = ['Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];

const toMinutes = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
const openMinutesPerWeek = (definition: CalendarDefinition): number =>
  Object.values(definition.weeklyWindows)
    .flat()
    .reduce((sum, window) => sum + toMinutes(window.end) - toMinutes(window.start), 0);

/** Random calendars: 0-3 windows a weekday on a 15-minute grid, some holidays and make-up days. */
const randomCalendar: fc.Arbitrary<CalendarDefinition> = fc
  .record({
    timeZone: fc.constantFrom(...zones),
    week: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }), {
      minLength: 7,
      maxLength: 7,
    }),
    holidays: fc.uniqueArray(fc.integer({ min: FROM / DAY, max: TO / DAY }), { maxLength: 30 }),
    workdays: fc.uniqueArray(fc.integer({ min: FROM / DAY, max: TO / DAY }), { maxLength: 10 }),
  })
  .map(({ timeZone, week, holidays, workdays }) => {
    const weeklyWindows: Partial<Record<WeekdayKey, TimeWindow[]>> = {};
    week.forEach((marks, weekday) => {
      const sorted = [...marks].sort((a, b) => a - b);
      const windows: TimeWindow[] = [];
      for (let i = 0; i + 1 < sorted.length; i += 2) {
        windows.push({ start: formatWallTime(sorted[i] * 15), end: formatWallTime(sorted[i + 1] * 15) });
      }
      weeklyWindows[String(weekday) as WeekdayKey] = windows;
    });
    return {
      id: 'random',
      timeZone,
      weeklyWindows,
      holidays: holidays.map(formatLocalDate),
      workdays: workdays.filter((day) => !holidays.includes(day)).map(formatLocalDate),
      makeUpWindows: [{ start: '08:00', end: '12:00' }],
    };
  })
  // At least 8 open hours a week, so 60 h of business time always fits well inside the search horizon.
  .filter((definition) => openMinutesPerWeek(definition) >= 8 * 60);

const fixedCalendars = [
  defaultChinaCalendar(),
  defaultChinaCallWindowsCalendar(),
  dstCalendar('Europe/Berlin'),
  dstCalendar('America/New_York'),
].map(compileCalendar);

const calendars: fc.Arbitrary<BusinessCalendar> = fc.oneof(
  fc.constantFrom(...fixedCalendars),
  randomCalendar.map(compileCalendar),
);

// ---- instants and durations ------------------------------------------------------------------------

/** DST changes of 2025 in Berlin and New York: instants near them are drawn on purpose. */
const transitions = ['2025-03-09T07:00Z', '2025-03-30T01:00Z', '2025-10-26T01:00Z', '2025-11-02T06:00Z'].map(
  (iso) => Date.parse(iso),
);
const instants: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc.integer({ min: FROM / MINUTE, max: TO / MINUTE }).map((minute) => minute * MINUTE),
  fc
    .tuple(fc.constantFrom(...transitions), fc.integer({ min: -2 * DAY, max: 2 * DAY }))
    .map(([t, delta]) => t + delta),
);
const durations: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 60 * HOUR }),
  fc.integer({ min: 1, max: 60 * 60 }).map((minutes) => minutes * MINUTE),
);

const runs = { numRuns: 300 };

// ---- properties ------------------------------------------------------------------------------------

describe('business time properties', () => {
  it('a due time is open, or the exact end of a window when the duration runs out there', () => {
    // Definition: r = addBusinessDuration(s, d). d = 0: r is open (r = nextOpen(s)).
    // d > 0: r is open, or r is closed and r - 1 ms is open (r closes a window); never deeper in closed time.
    fc.assert(
      fc.property(calendars, instants, durations, (calendar, start, duration) => {
        const due = addBusinessDuration(calendar, start, duration).getTime();
        expect(due).toBeGreaterThanOrEqual(start);
        if (duration === 0) {
          expect(isOpen(calendar, due)).toBe(true);
        } else {
          expect(isOpen(calendar, due) || isOpen(calendar, due - 1)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('businessTimeBetween(start, add(start, d)) === d', () => {
    fc.assert(
      fc.property(calendars, instants, durations, (calendar, start, duration) => {
        const due = addBusinessDuration(calendar, start, duration);
        expect(businessTimeBetween(calendar, start, due)).toBe(duration);
      }),
      runs,
    );
  });

  it('nextOpen is open, idempotent, and skips no open time', () => {
    fc.assert(
      fc.property(calendars, instants, (calendar, instant) => {
        const next = nextOpen(calendar, instant);
        expect(isOpen(calendar, next)).toBe(true);
        expect(nextOpen(calendar, next)).toEqual(next);
        expect(businessTimeBetween(calendar, instant, next)).toBe(0);
        expect(next.getTime() === instant).toBe(isOpen(calendar, instant));
      }),
      runs,
    );
  });

  it('is monotonic in the duration: d1 < d2 implies add(d1) <= add(d2)', () => {
    fc.assert(
      fc.property(calendars, instants, durations, durations, (calendar, start, a, b) => {
        fc.pre(a !== b);
        const [d1, d2] = a < b ? [a, b] : [b, a];
        const due1 = addBusinessDuration(calendar, start, d1).getTime();
        const due2 = addBusinessDuration(calendar, start, d2).getTime();
        expect(due1).toBeLessThanOrEqual(due2);
        if (d1 > 0) expect(due1).toBeLessThan(due2);
      }),
      runs,
    );
  });

  it('is monotonic in the start: s1 <= s2 implies add(s1, d) <= add(s2, d)', () => {
    fc.assert(
      fc.property(
        calendars,
        instants,
        fc.integer({ min: 0, max: 3 * DAY }),
        durations,
        (calendar, s1, gap, d) => {
          const s2 = s1 + gap;
          expect(addBusinessDuration(calendar, s1, d).getTime()).toBeLessThanOrEqual(
            addBusinessDuration(calendar, s2, d).getTime(),
          );
        },
      ),
      runs,
    );
  });

  it('adding in two steps equals adding at once (second step > 0)', () => {
    fc.assert(
      fc.property(calendars, instants, durations, durations, (calendar, start, d1, d2) => {
        fc.pre(d2 > 0);
        const stepwise = addBusinessDuration(calendar, addBusinessDuration(calendar, start, d1), d2);
        expect(stepwise).toEqual(addBusinessDuration(calendar, start, d1 + d2));
      }),
      runs,
    );
  });

  it('businessTimeBetween is additive and antisymmetric, and never exceeds elapsed time', () => {
    fc.assert(
      fc.property(calendars, instants, instants, instants, (calendar, x, y, z) => {
        const [a, b, c] = [x, y, z].sort((p, q) => p - q);
        const ab = businessTimeBetween(calendar, a, b);
        const bc = businessTimeBetween(calendar, b, c);
        expect(businessTimeBetween(calendar, a, c)).toBe(ab + bc);
        // Sum, not toBe(-ab): with ab = 0, Object.is(0, -0) is false.
        expect(businessTimeBetween(calendar, b, a) + ab).toBe(0);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(b - a);
      }),
      { numRuns: 100 },
    );
  });
});

// ---- an independent oracle for zones without DST ---------------------------------------------------

/** Straight from the definition: is the minute starting at `epochMs` open? Fixed-offset zones only. */
function oracleOpen(definition: CalendarDefinition, offsetMs: number, epochMs: number): boolean {
  const wall = epochMs + offsetMs;
  const dayNumber = Math.floor(wall / DAY);
  const date = formatLocalDate(dayNumber);
  const minute = Math.floor((wall - dayNumber * DAY) / MINUTE);
  const windows =
    definition.dateOverrides?.[date] ??
    (definition.holidays.includes(date)
      ? []
      : definition.workdays.includes(date)
        ? (definition.makeUpWindows ?? definition.weeklyWindows['1'] ?? [])
        : (definition.weeklyWindows[String(weekdayOf(dayNumber)) as WeekdayKey] ?? []));
  return windows.some((window) => toMinutes(window.start) <= minute && minute < toMinutes(window.end));
}

describe('agrees with a minute-by-minute oracle where the zone has no DST', () => {
  const fixedZoneCalendars = fc.oneof(
    fc.constant(defaultChinaCalendar()),
    fc.constant(defaultChinaCallWindowsCalendar()),
    randomCalendar.filter(
      (definition) => definition.timeZone === 'Asia/Shanghai' || definition.timeZone === 'UTC',
    ),
  );
  const offsetOf = (definition: CalendarDefinition): number => (definition.timeZone === 'UTC' ? 0 : 8 * HOUR);

  it('businessTimeBetween over up to 10 days equals the count of open minutes', () => {
    fc.assert(
      fc.property(
        fixedZoneCalendars,
        fc.integer({ min: FROM / MINUTE, max: TO / MINUTE }),
        fc.integer({ min: 0, max: 10 * 24 * 60 }),
        (definition, startMinute, minutes) => {
          const offset = offsetOf(definition);
          let open = 0;
          for (let m = 0; m < minutes; m += 1) {
            if (oracleOpen(definition, offset, (startMinute + m) * MINUTE)) open += 1;
          }
          const calendar = compileCalendar(definition);
          expect(businessTimeBetween(calendar, startMinute * MINUTE, (startMinute + minutes) * MINUTE)).toBe(
            open * MINUTE,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('isOpen matches the oracle at any millisecond', () => {
    fc.assert(
      fc.property(fixedZoneCalendars, fc.integer({ min: FROM, max: TO }), (definition, instant) => {
        expect(isOpen(definition, instant)).toBe(oracleOpen(definition, offsetOf(definition), instant));
      }),
      runs,
    );
  });
});
