import {
  CalendarValidationError,
  defaultChinaCalendar,
  defaultChinaCallWindowsCalendar,
  parseCalendar,
  validateCalendar,
  type CalendarIssueCode,
} from '@closeloop/calendar';

const valid = {
  id: 'store-17',
  name: 'Store 17',
  timeZone: 'Asia/Shanghai',
  weeklyWindows: {
    1: [
      { start: '09:00', end: '12:00' },
      { start: '13:30', end: '18:00' },
    ],
    6: [{ start: '22:00', end: '24:00' }],
  },
  holidays: ['2025-10-01'],
  workdays: ['2025-10-11'],
};

/** `valid` with Tuesday's windows replaced (Monday keeps lending its windows to make-up days). */
const withTuesday = (windows: unknown) => ({
  ...valid,
  weeklyWindows: { ...valid.weeklyWindows, 2: windows },
});
const codesOf = (input: unknown): CalendarIssueCode[] => validateCalendar(input).map((issue) => issue.code);
const issuesOf = (input: unknown) => validateCalendar(input).map(({ path, code }) => ({ path, code }));

describe('validateCalendar', () => {
  it('accepts a valid definition, the seeded defaults, and their JSON round trip', () => {
    expect(validateCalendar(valid)).toEqual([]);
    expect(validateCalendar(defaultChinaCalendar())).toEqual([]);
    expect(validateCalendar(defaultChinaCallWindowsCalendar())).toEqual([]);
    expect(validateCalendar(JSON.parse(JSON.stringify(defaultChinaCalendar())))).toEqual([]);
  });

  it.each([null, 'calendar', 42, []])('rejects a non-object %p', (input) => {
    expect(codesOf(input)).toEqual(['CALENDAR.NOT_AN_OBJECT']);
  });

  it('rejects a missing or blank id and unknown fields', () => {
    expect(issuesOf({ ...valid, id: ' ' })).toEqual([{ path: 'id', code: 'CALENDAR.BAD_ID' }]);
    expect(issuesOf({ ...valid, holiday: [] })).toEqual([
      { path: 'holiday', code: 'CALENDAR.UNKNOWN_FIELD' },
    ]);
    expect(issuesOf({ ...valid, name: 3 })).toEqual([{ path: 'name', code: 'CALENDAR.BAD_TEXT' }]);
  });

  it.each(['Asia/Beijing', 'GMT+8 China', '', undefined])('rejects the time zone %p', (timeZone) => {
    expect(issuesOf({ ...valid, timeZone })).toEqual([{ path: 'timeZone', code: 'CALENDAR.BAD_TIME_ZONE' }]);
  });

  it('rejects weekday keys outside 0..6', () => {
    expect(issuesOf({ ...valid, weeklyWindows: { ...valid.weeklyWindows, 7: [] } })).toEqual([
      { path: 'weeklyWindows.7', code: 'CALENDAR.BAD_WEEKDAY' },
    ]);
  });

  it.each([
    ['9:00', '12:00', 'weeklyWindows.2[0].start'],
    ['09:00', '12:60', 'weeklyWindows.2[0].end'],
    ['24:00', '24:00', 'weeklyWindows.2[0].start'],
    ['09:00', '25:00', 'weeklyWindows.2[0].end'],
  ])('rejects the malformed time in %s-%s', (start, end, path) => {
    expect(issuesOf(withTuesday([{ start, end }]))).toContainEqual({ path, code: 'CALENDAR.BAD_TIME' });
  });

  it.each([
    ['12:00', '12:00'],
    ['18:00', '09:00'],
  ])('rejects a window whose end %s is not after its start %s', (start, end) => {
    expect(issuesOf(withTuesday([{ start, end }]))).toEqual([
      { path: 'weeklyWindows.2[0]', code: 'CALENDAR.EMPTY_WINDOW' },
    ]);
  });

  it('rejects unsorted and overlapping windows, and accepts touching ones', () => {
    const unsorted = [
      { start: '13:30', end: '18:00' },
      { start: '09:00', end: '12:00' },
    ];
    const overlapping = [
      { start: '09:00', end: '12:00' },
      { start: '11:30', end: '18:00' },
    ];
    const touching = [
      { start: '09:00', end: '12:00' },
      { start: '12:00', end: '18:00' },
    ];
    expect(issuesOf(withTuesday(unsorted))).toEqual([
      { path: 'weeklyWindows.2[1]', code: 'CALENDAR.WINDOWS_UNSORTED' },
    ]);
    expect(issuesOf(withTuesday(overlapping))).toEqual([
      { path: 'weeklyWindows.2[1]', code: 'CALENDAR.WINDOWS_OVERLAP' },
    ]);
    expect(issuesOf(withTuesday(touching))).toEqual([]);
  });

  it('rejects windows that are not {start, end} objects in an array', () => {
    expect(codesOf(withTuesday({ start: '09:00', end: '12:00' }))).toContain('CALENDAR.NOT_AN_ARRAY');
    expect(codesOf(withTuesday(['09:00-12:00']))).toContain('CALENDAR.BAD_WINDOW');
    expect(issuesOf(withTuesday([{ start: '09:00', end: '12:00', note: 'x' }]))).toEqual([
      { path: 'weeklyWindows.2[0].note', code: 'CALENDAR.UNKNOWN_FIELD' },
    ]);
  });

  it.each(['2025-02-29', '2025-13-01', '2025-1-1', '20251001', 20251001])('rejects the date %p', (date) => {
    expect(issuesOf({ ...valid, holidays: [date] })).toEqual([
      { path: 'holidays[0]', code: 'CALENDAR.BAD_DATE' },
    ]);
  });

  it('accepts 29 February in a leap year', () => {
    expect(validateCalendar({ ...valid, holidays: ['2024-02-29'] })).toEqual([]);
  });

  it('rejects duplicate dates and a date that is both holiday and make-up workday', () => {
    expect(issuesOf({ ...valid, holidays: ['2025-10-01', '2025-10-01'] })).toEqual([
      { path: 'holidays[1]', code: 'CALENDAR.DUPLICATE_DATE' },
    ]);
    expect(issuesOf({ ...valid, workdays: ['2025-10-01'] })).toEqual([
      { path: 'workdays', code: 'CALENDAR.HOLIDAY_AND_WORKDAY' },
    ]);
    expect(validateCalendar({ ...valid, workdays: ['2025-10-01'] })[0].message).toMatch(/2025-10-01 is both/);
  });

  it('requires make-up windows when Monday has none to lend', () => {
    const noMonday = { ...valid, weeklyWindows: { 2: [{ start: '09:00', end: '18:00' }] } };
    expect(issuesOf(noMonday)).toEqual([{ path: 'makeUpWindows', code: 'CALENDAR.NO_MAKE_UP_WINDOWS' }]);
    expect(validateCalendar({ ...noMonday, makeUpWindows: [{ start: '10:00', end: '16:00' }] })).toEqual([]);
    expect(validateCalendar({ ...noMonday, workdays: [] })).toEqual([]);
  });

  it('checks date overrides: keys are dates, values are window lists', () => {
    expect(
      validateCalendar({ ...valid, dateOverrides: { '2025-10-03': [{ start: '10:00', end: '14:00' }] } }),
    ).toEqual([]);
    expect(validateCalendar({ ...valid, dateOverrides: { '2025-10-09': [] } })).toEqual([]);
    expect(issuesOf({ ...valid, dateOverrides: { 'next friday': [] } })).toEqual([
      { path: 'dateOverrides.next friday', code: 'CALENDAR.BAD_DATE' },
    ]);
    expect(
      issuesOf({ ...valid, dateOverrides: { '2025-10-03': [{ start: '14:00', end: '10:00' }] } }),
    ).toEqual([{ path: 'dateOverrides.2025-10-03[0]', code: 'CALENDAR.EMPTY_WINDOW' }]);
  });

  it('rejects a calendar with no working windows at all', () => {
    expect(issuesOf({ ...valid, weeklyWindows: {}, workdays: [] })).toEqual([
      { path: 'weeklyWindows', code: 'CALENDAR.NO_WINDOWS' },
    ]);
    expect(issuesOf({ ...valid, weeklyWindows: { 1: [], 2: [] }, workdays: [] })).toEqual([
      { path: 'weeklyWindows', code: 'CALENDAR.NO_WINDOWS' },
    ]);
  });

  it('reports every issue at once', () => {
    const broken = {
      id: '',
      timeZone: 'Nowhere',
      weeklyWindows: { 1: [{ start: '18:00', end: '09:00' }] },
      holidays: ['x'],
      workdays: 'y',
    };
    expect(codesOf(broken)).toEqual(
      expect.arrayContaining([
        'CALENDAR.BAD_ID',
        'CALENDAR.BAD_TIME_ZONE',
        'CALENDAR.EMPTY_WINDOW',
        'CALENDAR.BAD_DATE',
        'CALENDAR.NOT_AN_ARRAY',
      ]),
    );
  });
});

describe('parseCalendar', () => {
  it('returns a valid definition unchanged', () => {
    expect(parseCalendar(valid)).toBe(valid);
  });

  it('throws CalendarValidationError carrying the id, a stable code and every issue', () => {
    let thrown: unknown;
    try {
      parseCalendar({ ...valid, timeZone: 'Asia/Beijing', holidays: ['2025-02-30'] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CalendarValidationError);
    const error = thrown as CalendarValidationError;
    expect(error.code).toBe('CALENDAR.INVALID');
    expect(error.calendarId).toBe('store-17');
    expect(error.issues.map((issue) => issue.path)).toEqual(['timeZone', 'holidays[0]']);
    expect(error.message).toMatch(/timeZone: "Asia\/Beijing" is not an IANA time zone/);
  });
});
