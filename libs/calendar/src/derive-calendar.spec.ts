import {
  addBusinessDuration,
  CalendarValidationError,
  defaultChinaCalendar,
  deriveCalendar,
  isOpen,
  isWorkingDay,
  openIntervalsOn,
} from '@closeloop/calendar';

const cst = (local: string): Date => new Date(`${local}:00+08:00`);
const HOUR = 3_600_000;

describe('deriveCalendar', () => {
  const base = defaultChinaCalendar();

  it('inherits everything it does not override', () => {
    const store = deriveCalendar(base, { id: 'store-17' });
    expect(store).toEqual({ ...base, id: 'store-17' });
    expect(store).not.toBe(base);
    expect(store.holidays).not.toBe(base.holidays);
  });

  it('replaces only the weekdays it lists; [] closes a weekday', () => {
    const saturdayShop = deriveCalendar(base, {
      id: 'shop',
      weeklyWindows: { 6: [{ start: '10:00', end: '16:00' }], 1: [] },
      makeUpWindows: [{ start: '09:00', end: '18:00' }],
    });
    expect(isOpen(saturdayShop, cst('2025-06-14T10:00'))).toBe(true); // Saturday
    expect(isOpen(saturdayShop, cst('2025-06-16T10:00'))).toBe(false); // Monday closed
    expect(isOpen(saturdayShop, cst('2025-06-17T10:00'))).toBe(true); // Tuesday inherited
  });

  it('adds and removes holidays and make-up days, moving a date between the two lists', () => {
    const store = deriveCalendar(base, {
      id: 'store',
      addHolidays: ['2025-10-11', '2025-12-24'],
      addWorkdays: ['2025-10-08'],
      removeWorkdays: ['2025-09-28'],
    });
    expect(isWorkingDay(store, '2025-10-11')).toBe(false); // was a make-up day, now a store holiday
    expect(isWorkingDay(store, '2025-12-24')).toBe(false);
    expect(isWorkingDay(store, '2025-10-08')).toBe(true); // was a holiday, now open
    expect(isWorkingDay(store, '2025-09-28')).toBe(false); // plain Sunday again
    expect(store.holidays).not.toContain('2025-10-08');
    expect(store.workdays).not.toContain('2025-10-11');
    expect(isWorkingDay(base, '2025-10-11')).toBe(true); // the base is untouched
  });

  it('date overrides win over holidays, and null removes an inherited override', () => {
    const open = deriveCalendar(base, {
      id: 'open',
      dateOverrides: { '2025-10-03': [{ start: '10:00', end: '14:00' }] },
    });
    expect(openIntervalsOn(open, '2025-10-03')).toEqual([
      { start: cst('2025-10-03T10:00'), end: cst('2025-10-03T14:00') },
    ]);
    expect(addBusinessDuration(open, cst('2025-09-30T17:00'), 2 * HOUR)).toEqual(cst('2025-10-03T11:00'));
    const again = deriveCalendar(open, { id: 'again', dateOverrides: { '2025-10-03': null } });
    expect(isWorkingDay(again, '2025-10-03')).toBe(false);
    expect(again.dateOverrides).toBeUndefined();
  });

  it('can move the calendar to another zone', () => {
    const berlin = deriveCalendar(base, { id: 'berlin', timeZone: 'Europe/Berlin', addHolidays: [] });
    expect(openIntervalsOn(berlin, '2025-06-16')[0].start).toEqual(new Date('2025-06-16T07:00:00Z'));
  });

  it('throws CalendarValidationError when the result is invalid', () => {
    expect(() => deriveCalendar(base, { id: '' })).toThrow(CalendarValidationError);
    expect(() =>
      deriveCalendar(base, { id: 'x', weeklyWindows: { 1: [{ start: '18:00', end: '09:00' }] } }),
    ).toThrow(/end 09:00 must be after start 18:00/);
    expect(() =>
      deriveCalendar(base, { id: 'x', addHolidays: ['2025-12-01'], addWorkdays: ['2025-12-01'] }),
    ).toThrow(/both a holiday and a make-up workday/);
  });

  it('produces JSON-serialisable data', () => {
    const store = deriveCalendar(base, { id: 'store', dateOverrides: { '2025-10-03': [] } });
    expect(JSON.parse(JSON.stringify(store))).toEqual(store);
  });
});
