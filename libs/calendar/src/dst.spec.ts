import {
  addBusinessDuration,
  addCalendarDuration,
  businessTimeBetween,
  isOpen,
  isWorkingDay,
  localDateOf,
  nextOpen,
  openIntervalsOn,
  type CalendarDefinition,
  type TimeWindow,
} from '@closeloop/calendar';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const utc = (iso: string): Date => new Date(`${iso}:00Z`);

const officeHours: TimeWindow[] = [{ start: '09:00', end: '17:00' }];
const office = (id: string, timeZone: string): CalendarDefinition => ({
  id,
  timeZone,
  weeklyWindows: { 1: officeHours, 2: officeHours, 3: officeHours, 4: officeHours, 5: officeHours },
  holidays: [],
  workdays: [],
});
/** Open only on Sundays, in the hours DST changes touch (EU and US clocks change on a Sunday). */
const sundayNight = (id: string, timeZone: string, windows: TimeWindow[]): CalendarDefinition => ({
  id,
  timeZone,
  weeklyWindows: { 0: windows },
  holidays: [],
  workdays: [],
});

describe('Europe/Berlin', () => {
  const night = sundayNight('berlin-night', 'Europe/Berlin', [{ start: '01:00', end: '04:00' }]);

  it('a 01:00-04:00 window lasts 3 h on an ordinary Sunday', () => {
    expect(openIntervalsOn(night, '2025-03-23')).toEqual([
      { start: utc('2025-03-23T00:00'), end: utc('2025-03-23T03:00') },
    ]);
  });

  it('spring forward 2025-03-30: the window lasts 2 h (01:00 CET to 04:00 CEST)', () => {
    expect(openIntervalsOn(night, '2025-03-30')).toEqual([
      { start: utc('2025-03-30T00:00'), end: utc('2025-03-30T02:00') },
    ]);
    expect(businessTimeBetween(night, utc('2025-03-29T12:00'), utc('2025-03-30T12:00'))).toBe(2 * HOUR);
    expect(nextOpen(night, utc('2025-03-29T20:00'))).toEqual(utc('2025-03-30T00:00'));
    expect(addBusinessDuration(night, utc('2025-03-30T00:00'), 2 * HOUR)).toEqual(utc('2025-03-30T02:00'));
    // 01:59 CET and 03:00 CEST are consecutive minutes, both open.
    expect(isOpen(night, utc('2025-03-30T00:59'))).toBe(true);
    expect(isOpen(night, utc('2025-03-30T01:00'))).toBe(true);
    expect(isOpen(night, utc('2025-03-30T02:00'))).toBe(false);
  });

  it('fall back 2025-10-26: the window lasts 4 h (01:00 CEST to 04:00 CET), the repeated hour counts twice', () => {
    expect(openIntervalsOn(night, '2025-10-26')).toEqual([
      { start: utc('2025-10-25T23:00'), end: utc('2025-10-26T03:00') },
    ]);
    expect(businessTimeBetween(night, utc('2025-10-25T12:00'), utc('2025-10-26T12:00'))).toBe(4 * HOUR);
    expect(addBusinessDuration(night, utc('2025-10-25T23:00'), 3 * HOUR)).toEqual(utc('2025-10-26T02:00'));
    expect(isOpen(night, utc('2025-10-26T00:30'))).toBe(true); // 02:30 CEST
    expect(isOpen(night, utc('2025-10-26T01:30'))).toBe(true); // 02:30 CET
    expect(localDateOf(night, utc('2025-10-25T23:00'))).toBe('2025-10-26');
  });

  it('a window wholly inside the gap does not exist that day; the day is not a working day', () => {
    const gap = sundayNight('berlin-gap', 'Europe/Berlin', [{ start: '02:00', end: '03:00' }]);
    expect(openIntervalsOn(gap, '2025-03-30')).toEqual([]);
    expect(isWorkingDay(gap, '2025-03-30')).toBe(false);
    expect(nextOpen(gap, utc('2025-03-29T12:00'))).toEqual(utc('2025-04-06T00:00')); // next Sunday 02:00 CEST
  });

  it('a window starting inside the gap opens when the clocks jump', () => {
    const late = sundayNight('berlin-late', 'Europe/Berlin', [{ start: '02:30', end: '05:00' }]);
    expect(openIntervalsOn(late, '2025-03-30')).toEqual([
      { start: utc('2025-03-30T01:00'), end: utc('2025-03-30T03:00') },
    ]);
  });

  it('a window inside the repeated hour covers both passes (02:00 CEST to 02:30 CET, 90 min)', () => {
    const repeated = sundayNight('berlin-repeat', 'Europe/Berlin', [{ start: '02:00', end: '02:30' }]);
    expect(openIntervalsOn(repeated, '2025-10-26')).toEqual([
      { start: utc('2025-10-26T00:00'), end: utc('2025-10-26T01:30') },
    ]);
    expect(businessTimeBetween(repeated, utc('2025-10-25T00:00'), utc('2025-10-27T00:00'))).toBe(90 * MINUTE);
  });

  it('windows made to overlap by the repeated hour are counted once', () => {
    const split = sundayNight('berlin-split', 'Europe/Berlin', [
      { start: '01:00', end: '02:30' },
      { start: '02:40', end: '04:00' },
    ]);
    // Each alone: 01:00 CEST-02:30 CET and 02:40 CEST-04:00 CET overlap; the union is 23:00Z-03:00Z.
    expect(businessTimeBetween(split, utc('2025-10-25T12:00'), utc('2025-10-26T12:00'))).toBe(4 * HOUR);
    expect(addBusinessDuration(split, utc('2025-10-25T23:00'), 4 * HOUR)).toEqual(utc('2025-10-26T03:00'));
  });

  const berlin = office('berlin-office', 'Europe/Berlin');

  it('office hours over the spring weekend: Friday 16:00 CET + 2 h is Monday 10:00 CEST', () => {
    expect(addBusinessDuration(berlin, utc('2025-03-28T15:00'), 2 * HOUR)).toEqual(utc('2025-03-31T08:00'));
  });

  it('office hours over the autumn weekend: Friday 16:00 CEST + 2 h is Monday 10:00 CET', () => {
    expect(addBusinessDuration(berlin, utc('2025-10-24T14:00'), 2 * HOUR)).toEqual(utc('2025-10-27T09:00'));
    // Friday 09:00 CEST to Monday 17:00 CET: two full days although 73 h elapse.
    expect(businessTimeBetween(berlin, utc('2025-10-24T07:00'), utc('2025-10-27T16:00'))).toBe(16 * HOUR);
  });

  it('calendar time is elapsed time: 24 h after 12:00 CEST on the fall-back eve is 11:00 CET', () => {
    expect(addCalendarDuration(berlin, utc('2025-10-25T10:00'), 24 * HOUR)).toEqual(utc('2025-10-26T10:00'));
  });
});

describe('America/New_York', () => {
  const night = sundayNight('ny-night', 'America/New_York', [{ start: '01:00', end: '04:00' }]);

  it('spring forward 2025-03-09: 01:00 EST to 04:00 EDT is 2 h', () => {
    expect(openIntervalsOn(night, '2025-03-09')).toEqual([
      { start: utc('2025-03-09T06:00'), end: utc('2025-03-09T08:00') },
    ]);
    expect(addBusinessDuration(night, utc('2025-03-09T06:00'), 2 * HOUR)).toEqual(utc('2025-03-09T08:00'));
    expect(addBusinessDuration(night, utc('2025-03-09T06:00'), 2 * HOUR + 1)).toEqual(
      new Date(utc('2025-03-16T05:00').getTime() + 1),
    );
  });

  it('fall back 2025-11-02: 01:00 EDT to 04:00 EST is 4 h; 01:30 EST (second pass) is open', () => {
    expect(openIntervalsOn(night, '2025-11-02')).toEqual([
      { start: utc('2025-11-02T05:00'), end: utc('2025-11-02T09:00') },
    ]);
    expect(nextOpen(night, utc('2025-11-02T04:00'))).toEqual(utc('2025-11-02T05:00'));
    expect(addBusinessDuration(night, utc('2025-11-02T05:00'), 90 * MINUTE)).toEqual(utc('2025-11-02T06:30'));
  });

  const ny = office('ny-office', 'America/New_York');

  it('office hours over the spring weekend: Friday 16:00 EST + 2 h is Monday 10:00 EDT', () => {
    expect(addBusinessDuration(ny, utc('2025-03-07T21:00'), 2 * HOUR)).toEqual(utc('2025-03-10T14:00'));
  });

  it('office hours over the autumn weekend: Friday 16:00 EDT + 2 h is Monday 10:00 EST', () => {
    expect(addBusinessDuration(ny, utc('2025-10-31T20:00'), 2 * HOUR)).toEqual(utc('2025-11-03T15:00'));
    expect(isOpen(ny, utc('2025-11-03T14:00'))).toBe(true); // 09:00 EST
    expect(isOpen(ny, utc('2025-11-03T13:59'))).toBe(false); // 08:59 EST
  });
});
