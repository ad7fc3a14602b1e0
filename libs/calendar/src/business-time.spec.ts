import {
  addBusinessDuration,
  addCalendarDuration,
  businessTimeBetween,
  calendarTimeBetween,
  CalendarArgumentError,
  CalendarHorizonError,
  CalendarValidationError,
  compileCalendar,
  defaultChinaCalendar,
  defaultChinaCallWindowsCalendar,
  isOpen,
  isWorkingDay,
  localDateOf,
  nextOpen,
  openIntervalsOn,
  workingDaysAfter,
  type CalendarDefinition,
} from '@closeloop/calendar';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Beijing time: `cst('2025-09-30T17:50')` is 17:50 in Asia/Shanghai. */
const cst = (local: string): Date => new Date(`${local}:00+08:00`);

// R1 seeded SLA times used as test inputs (not read from settings here: these tests pin the arithmetic).
const L1_FIRST_RESPONSE = 10 * MINUTE;
const L1_PLAN = 2 * HOUR;
const L2_PLAN = 4 * HOUR;
const L3_PLAN = 24 * HOUR;

const china = defaultChinaCalendar();

describe('isOpen on the China default calendar', () => {
  it.each([
    ['2025-09-30T09:00', true, 'a window opens at its start'],
    ['2025-09-30T08:59', false, 'before the first window'],
    ['2025-09-30T11:59', true, 'last minute of the morning'],
    ['2025-09-30T12:00', false, 'a window is closed at its end'],
    ['2025-09-30T12:45', false, 'lunch break'],
    ['2025-09-30T13:30', true, 'afternoon opens'],
    ['2025-09-30T18:00', false, 'closed at 18:00'],
    ['2025-10-01T10:00', false, 'National Day holiday (Wednesday)'],
    ['2025-10-08T10:00', false, '2025-10-08 is still a holiday'],
    ['2025-09-28T10:00', true, 'Sunday 2025-09-28 is a make-up workday'],
    ['2025-10-11T10:00', true, 'Saturday 2025-10-11 is a make-up workday'],
    ['2025-10-12T10:00', false, 'an ordinary Sunday'],
    ['2025-01-26T10:00', true, 'Sunday make-up day before Spring Festival 2025'],
    ['2025-02-04T10:00', false, '正月初七 2025 is a holiday'],
    ['2024-02-09T10:00', true, '除夕 2024 was not a public holiday (only encouraged)'],
  ])('%s -> %s (%s)', (local, expected) => {
    expect(isOpen(china, cst(local))).toBe(expected);
  });

  it('accepts epoch milliseconds as well as Date', () => {
    expect(isOpen(china, cst('2025-09-30T09:00').getTime())).toBe(true);
    expect(isOpen(china, cst('2025-09-30T09:00').getTime() - 1)).toBe(false);
  });
});

describe('nextOpen', () => {
  it.each([
    ['2025-09-30T10:00', '2025-09-30T10:00', 'open: the instant itself'],
    ['2025-09-30T12:15', '2025-09-30T13:30', 'after lunch'],
    ['2025-09-30T18:00', '2025-10-09T09:00', 'over the whole National Day holiday'],
    ['2025-09-27T10:00', '2025-09-28T09:00', 'Saturday -> make-up Sunday'],
    ['2025-01-27T18:30', '2025-02-05T09:00', 'over Spring Festival 2025'],
    ['2025-02-07T18:00', '2025-02-08T09:00', 'Friday evening -> make-up Saturday'],
    ['2025-06-13T18:00', '2025-06-16T09:00', 'an ordinary weekend'],
  ])('%s -> %s (%s)', (from, expected) => {
    expect(nextOpen(china, cst(from))).toEqual(cst(expected));
  });

  it('keeps milliseconds of an open instant', () => {
    const instant = cst('2025-09-30T10:00').getTime() + 123;
    expect(nextOpen(china, instant).getTime()).toBe(instant);
  });
});

describe('addBusinessDuration: due times on the China default calendar (R1)', () => {
  it('L1 at 2025-09-30 17:50 (Tuesday before National Day): 2 h plan due 2025-10-09 10:50', () => {
    // 10 min on 09-30, 10-01..10-08 holiday, 1 h 50 min from 09:00 on Thursday 10-09.
    expect(addBusinessDuration(china, cst('2025-09-30T17:50'), L1_PLAN)).toEqual(cst('2025-10-09T10:50'));
  });

  it('L1 at 2025-09-30 17:50: 10 min first response due at the close, 18:00 the same day', () => {
    expect(addBusinessDuration(china, cst('2025-09-30T17:50'), L1_FIRST_RESPONSE)).toEqual(
      cst('2025-09-30T18:00'),
    );
  });

  it('Friday 2025-10-10 17:00 + 2 h lands on make-up Saturday 2025-10-11 10:00', () => {
    expect(addBusinessDuration(china, cst('2025-10-10T17:00'), L1_PLAN)).toEqual(cst('2025-10-11T10:00'));
  });

  it('Friday 2025-09-26 17:00 + 2 h lands on make-up Sunday 2025-09-28 10:00', () => {
    expect(addBusinessDuration(china, cst('2025-09-26T17:00'), L1_PLAN)).toEqual(cst('2025-09-28T10:00'));
  });

  it('L3 24 h from 2025-09-30 09:00 runs through 09-30, 10-09, 10-10 and ends on make-up 10-11 10:30', () => {
    // 7.5 h a day: 09-30, 10-09, 10-10 = 22.5 h, then 1.5 h on Saturday 10-11.
    expect(addBusinessDuration(china, cst('2025-09-30T09:00'), L3_PLAN)).toEqual(cst('2025-10-11T10:30'));
  });

  it('L3 24 h from 2025-04-30 10:00 skips the Labour Day holiday 05-01..05-05', () => {
    // 6.5 h on 04-30, 7.5 h on 05-06 and 05-07, 2.5 h on 05-08.
    expect(addBusinessDuration(china, cst('2025-04-30T10:00'), L3_PLAN)).toEqual(cst('2025-05-08T11:30'));
  });

  it('L2 4 h from Friday 2025-01-24 17:00 ends exactly at 12:00 on make-up Sunday 01-26, not at 13:30', () => {
    expect(addBusinessDuration(china, cst('2025-01-24T17:00'), L2_PLAN)).toEqual(cst('2025-01-26T12:00'));
    expect(addBusinessDuration(china, cst('2025-01-24T17:00'), L2_PLAN + MINUTE)).toEqual(
      cst('2025-01-26T13:31'),
    );
  });

  describe('across an ordinary weekend', () => {
    it('Friday 17:50 + 10 min is due Friday 18:00', () => {
      expect(addBusinessDuration(china, cst('2025-06-13T17:50'), 10 * MINUTE)).toEqual(
        cst('2025-06-13T18:00'),
      );
    });
    it('Friday 17:50 + 11 min is due Monday 09:01', () => {
      expect(addBusinessDuration(china, cst('2025-06-13T17:50'), 11 * MINUTE)).toEqual(
        cst('2025-06-16T09:01'),
      );
    });
    it('Friday 17:50 + 2 h is due Monday 10:50', () => {
      expect(addBusinessDuration(china, cst('2025-06-13T17:50'), L1_PLAN)).toEqual(cst('2025-06-16T10:50'));
    });
    it('Saturday 10:00 + 2 h starts counting on Monday 09:00', () => {
      expect(addBusinessDuration(china, cst('2025-06-14T10:00'), L1_PLAN)).toEqual(cst('2025-06-16T11:00'));
    });
  });

  describe('across the lunch break', () => {
    it('11:50 + 20 min is 13:40', () => {
      expect(addBusinessDuration(china, cst('2025-06-11T11:50'), 20 * MINUTE)).toEqual(
        cst('2025-06-11T13:40'),
      );
    });
    it('11:50 + 10 min is 12:00 (the end of the morning window)', () => {
      expect(addBusinessDuration(china, cst('2025-06-11T11:50'), 10 * MINUTE)).toEqual(
        cst('2025-06-11T12:00'),
      );
    });
    it('12:30 + 30 min is 14:00', () => {
      expect(addBusinessDuration(china, cst('2025-06-11T12:30'), 30 * MINUTE)).toEqual(
        cst('2025-06-11T14:00'),
      );
    });
  });

  describe('zero duration', () => {
    it('from an open instant is that instant', () => {
      expect(addBusinessDuration(china, cst('2025-06-11T10:00'), 0)).toEqual(cst('2025-06-11T10:00'));
    });
    it('from a closed instant is the next opening', () => {
      expect(addBusinessDuration(china, cst('2025-06-11T12:30'), 0)).toEqual(cst('2025-06-11T13:30'));
      expect(addBusinessDuration(china, cst('2025-09-30T18:00'), 0)).toEqual(cst('2025-10-09T09:00'));
    });
  });

  it('accepts epoch ms and returns a Date', () => {
    const due = addBusinessDuration(china, cst('2025-06-11T10:00').getTime(), HOUR);
    expect(due).toBeInstanceOf(Date);
    expect(due).toEqual(cst('2025-06-11T11:00'));
  });
});

describe('businessTimeBetween', () => {
  it('measures open time in [a, b)', () => {
    expect(businessTimeBetween(china, cst('2025-09-30T17:50'), cst('2025-10-09T10:50'))).toBe(L1_PLAN);
    expect(businessTimeBetween(china, cst('2025-06-11T11:00'), cst('2025-06-11T14:00'))).toBe(90 * MINUTE);
  });

  it('is negative when b is before a', () => {
    expect(businessTimeBetween(china, cst('2025-10-09T10:50'), cst('2025-09-30T17:50'))).toBe(-L1_PLAN);
  });

  it('is zero over closed time and for an empty span', () => {
    expect(businessTimeBetween(china, cst('2025-06-13T18:00'), cst('2025-06-16T09:00'))).toBe(0);
    expect(businessTimeBetween(china, cst('2025-10-01T00:00'), cst('2025-10-09T00:00'))).toBe(0);
    expect(businessTimeBetween(china, cst('2025-06-11T10:00'), cst('2025-06-11T10:00'))).toBe(0);
  });

  it('counts 7.5 h in an ordinary working day', () => {
    expect(businessTimeBetween(china, cst('2025-09-30T00:00'), cst('2025-10-01T00:00'))).toBe(7.5 * HOUR);
  });

  it.each([
    [2024, 251],
    [2025, 248],
    [2026, 248],
  ])('counts every working day of %i: %i days of 7.5 h', (year, workingDays) => {
    const from = cst(`${year}-01-01T00:00`);
    const to = cst(`${year + 1}-01-01T00:00`);
    expect(businessTimeBetween(china, from, to)).toBe(workingDays * 7.5 * HOUR);
  });
});

describe('calendar time (elapsed) for symmetry', () => {
  it('adds elapsed time regardless of windows and holidays', () => {
    expect(addCalendarDuration(china, cst('2025-09-30T17:50'), 24 * HOUR)).toEqual(cst('2025-10-01T17:50'));
    expect(calendarTimeBetween(china, cst('2025-09-30T17:50'), cst('2025-10-01T17:50'))).toBe(24 * HOUR);
    expect(calendarTimeBetween(china, cst('2025-10-01T17:50'), cst('2025-09-30T17:50'))).toBe(-24 * HOUR);
  });

  it('still refuses an invalid calendar', () => {
    expect(() => addCalendarDuration({ ...china, timeZone: 'Asia/Beijing' }, 0, HOUR)).toThrow(
      CalendarValidationError,
    );
  });
});

describe('working days (C2)', () => {
  it.each([
    ['2025-10-11', true],
    ['2025-10-12', false],
    ['2025-10-08', false],
    ['2025-09-29', true],
    ['2025-09-28', true],
    ['2024-02-09', true],
    ['2026-02-14', true],
    ['2026-02-16', false],
    ['2026-01-02', false],
  ])('isWorkingDay(%s) is %s', (date, expected) => {
    expect(isWorkingDay(china, date)).toBe(expected);
  });

  it('"within 7 working days" of a delivery on Friday 2025-09-26 ends 2025-10-13 18:00', () => {
    // 09-28 (make-up Sun), 09-29, 09-30, 10-09, 10-10, 10-11 (make-up Sat), 10-13.
    const day = workingDaysAfter(china, cst('2025-09-26T15:00'), 7);
    expect(day).toEqual({
      date: '2025-10-13',
      opensAt: cst('2025-10-13T09:00'),
      closesAt: cst('2025-10-13T18:00'),
    });
  });

  it('"3-5 working days later" after a complaint resolved 2025-09-30 spans 10-11 09:00 to 10-14 18:00', () => {
    const resolved = cst('2025-09-30T11:00');
    expect(workingDaysAfter(china, resolved, 1).date).toBe('2025-10-09');
    expect(workingDaysAfter(china, resolved, 3).opensAt).toEqual(cst('2025-10-11T09:00'));
    expect(workingDaysAfter(china, resolved, 5).closesAt).toEqual(cst('2025-10-14T18:00'));
  });

  it('n = 0 is the first working day on or after the date', () => {
    expect(workingDaysAfter(china, cst('2025-09-27T10:00'), 0).date).toBe('2025-09-28');
    expect(workingDaysAfter(china, cst('2025-09-29T23:00'), 0).date).toBe('2025-09-29');
  });

  it('uses the local date of the instant, not the UTC date', () => {
    // 2025-09-30 01:00 in Shanghai is still 09-29 in UTC.
    expect(localDateOf(china, cst('2025-09-30T01:00'))).toBe('2025-09-30');
    expect(workingDaysAfter(china, cst('2025-09-30T01:00'), 1).date).toBe('2025-10-09');
  });
});

describe('openIntervalsOn with the C5 call windows seed', () => {
  const calls = defaultChinaCallWindowsCalendar();

  it('Monday has only the afternoon window', () => {
    expect(openIntervalsOn(calls, '2025-09-29')).toEqual([
      { start: cst('2025-09-29T14:00'), end: cst('2025-09-29T16:30') },
    ]);
  });

  it('Tuesday has both windows', () => {
    expect(openIntervalsOn(calls, '2025-09-30')).toEqual([
      { start: cst('2025-09-30T10:00'), end: cst('2025-09-30T11:30') },
      { start: cst('2025-09-30T14:00'), end: cst('2025-09-30T16:30') },
    ]);
  });

  it('a make-up Saturday has both windows, a holiday none', () => {
    expect(openIntervalsOn(calls, '2025-10-11')).toHaveLength(2);
    expect(openIntervalsOn(calls, '2025-10-01')).toEqual([]);
  });
});

describe('guards', () => {
  const closedForever: CalendarDefinition = {
    id: 'closed',
    timeZone: 'Asia/Shanghai',
    weeklyWindows: {},
    holidays: [],
    workdays: [],
  };
  // Open on one past date only: valid, but never open again.
  const openOnceIn2020: CalendarDefinition = {
    ...closedForever,
    id: 'once',
    dateOverrides: { '2020-01-06': [{ start: '09:00', end: '10:00' }] },
  };

  it('a calendar with no windows at all is rejected with a clear error instead of looping', () => {
    expect(() => nextOpen(closedForever, cst('2025-01-01T00:00'))).toThrow(/no working windows at all/);
    expect(() => addBusinessDuration(closedForever, cst('2025-01-01T00:00'), HOUR)).toThrow(
      CalendarValidationError,
    );
  });

  it('a calendar that never opens again stops at the search horizon', () => {
    const start = cst('2025-01-01T00:00');
    expect(() => nextOpen(openOnceIn2020, start)).toThrow(CalendarHorizonError);
    expect(() => addBusinessDuration(openOnceIn2020, start, HOUR)).toThrow(CalendarHorizonError);
    expect(() => workingDaysAfter(openOnceIn2020, start, 1)).toThrow(CalendarHorizonError);
  });

  it('the horizon can be narrowed or widened per call', () => {
    expect(() => nextOpen(china, cst('2025-09-30T18:00'), { horizonDays: 5 })).toThrow(CalendarHorizonError);
    expect(nextOpen(china, cst('2025-09-30T18:00'), { horizonDays: 10 })).toEqual(cst('2025-10-09T09:00'));
    expect(() =>
      businessTimeBetween(china, cst('2025-01-01T00:00'), cst('2025-12-31T00:00'), { horizonDays: 30 }),
    ).toThrow(CalendarHorizonError);
  });

  it('rejects bad arguments', () => {
    expect(() => isOpen(china, new Date('not a date'))).toThrow(CalendarArgumentError);
    expect(() => addBusinessDuration(china, 0, -1)).toThrow(CalendarArgumentError);
    expect(() => addBusinessDuration(china, 0, 1.5)).toThrow(CalendarArgumentError);
    expect(() => isWorkingDay(china, '2025-02-30')).toThrow(CalendarArgumentError);
    expect(() => workingDaysAfter(china, 0, -1)).toThrow(CalendarArgumentError);
    expect(() => nextOpen(china, 0, { horizonDays: 0 })).toThrow(CalendarArgumentError);
  });
});

describe('efficiency: window by window, never minute by minute', () => {
  let formatCalls: jest.SpyInstance;
  beforeEach(() => {
    formatCalls = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
  });
  afterEach(() => formatCalls.mockRestore());

  it('adding 5 working days of business time needs few zone conversions', () => {
    const due = addBusinessDuration(china, cst('2025-09-30T17:50'), 5 * 7.5 * HOUR);
    expect(due).toEqual(cst('2025-10-14T17:50'));
    expect(formatCalls.mock.calls.length).toBeLessThan(100);
  });

  it('adding 200 working days of business time stays cheap (about two conversions per day)', () => {
    const calendar = compileCalendar(china);
    addBusinessDuration(calendar, cst('2025-01-02T09:00'), 200 * 7.5 * HOUR);
    expect(formatCalls.mock.calls.length).toBeLessThan(1000);
  });
});
