import {
  CHINA_HOLIDAY_ARRANGEMENTS,
  defaultChinaCalendar,
  expandHolidayArrangements,
  isWorkingDay,
} from '@closeloop/calendar';
import { parseLocalDate, weekdayOf } from '../local-date';

const SATURDAY = 6;
const SUNDAY = 0;
const weekday = (date: string): number => weekdayOf(parseLocalDate(date)!);
const isWeekend = (date: string): boolean => [SATURDAY, SUNDAY].includes(weekday(date));
const daysIn = (from: string, to: string): string[] => {
  const days: string[] = [];
  for (let day = parseLocalDate(from)!; day <= parseLocalDate(to)!; day += 1) {
    days.push(new Date(day * 86_400_000).toISOString().slice(0, 10));
  }
  return days;
};
const arrangement = (year: number) => CHINA_HOLIDAY_ARRANGEMENTS.find((a) => a.year === year)!;

describe('seeded China holiday arrangements', () => {
  it('covers exactly 2024, 2025 and 2026, each naming its notice', () => {
    expect(CHINA_HOLIDAY_ARRANGEMENTS.map((a) => a.year)).toEqual([2024, 2025, 2026]);
    for (const { year, notice } of CHINA_HOLIDAY_ARRANGEMENTS) {
      expect(notice).toContain(`国务院办公厅关于${year}年部分节假日安排的通知`);
    }
  });

  it('every period lies in its year, runs forward, and has the length the notice states (共N天)', () => {
    for (const { year, periods } of CHINA_HOLIDAY_ARRANGEMENTS) {
      for (const period of periods) {
        expect(period.from.startsWith(`${year}-`)).toBe(true);
        expect(parseLocalDate(period.to)! >= parseLocalDate(period.from)!).toBe(true);
        if (period.days !== undefined) expect(daysIn(period.from, period.to)).toHaveLength(period.days);
      }
    }
  });

  it('every make-up workday is a Saturday or Sunday and not inside any holiday period', () => {
    const { holidays, workdays } = expandHolidayArrangements(CHINA_HOLIDAY_ARRANGEMENTS);
    for (const date of workdays) {
      expect({ date, weekend: isWeekend(date) }).toEqual({ date, weekend: true });
      expect(holidays).not.toContain(date);
    }
  });

  // The weekdays taken off minus the weekend days worked equals the statutory holidays of the year:
  // 11 days under the 2013 全国年节及纪念日放假办法, 13 from 2025 (除夕 and 5月2日 added, 2024 revision).
  it.each([
    [2024, 11],
    [2025, 13],
    [2026, 13],
  ])('%i: weekdays off minus make-up workdays = %i statutory days', (year, statutory) => {
    const { holidays, workdays } = expandHolidayArrangements([arrangement(year)]);
    const weekdaysOff = holidays.filter((date) => !isWeekend(date));
    expect(weekdaysOff.length - workdays.length).toBe(statutory);
  });

  it.each([
    // 2024 (国办发明电〔2023〕7号)
    ['2024-01-01', false],
    ['2024-02-04', true],
    ['2024-02-09', true],
    ['2024-02-10', false],
    ['2024-02-17', false],
    ['2024-02-18', true],
    ['2024-04-04', false],
    ['2024-04-05', false],
    ['2024-04-07', true],
    ['2024-04-28', true],
    ['2024-05-01', false],
    ['2024-05-03', false],
    ['2024-05-06', true],
    ['2024-05-11', true],
    ['2024-06-10', false],
    ['2024-09-14', true],
    ['2024-09-16', false],
    ['2024-09-17', false],
    ['2024-09-29', true],
    ['2024-10-07', false],
    ['2024-10-08', true],
    ['2024-10-12', true],
    // 2025 (国办发明电〔2024〕12号)
    ['2025-01-01', false],
    ['2025-01-02', true],
    ['2025-01-26', true],
    ['2025-01-27', true],
    ['2025-01-28', false],
    ['2025-02-04', false],
    ['2025-02-05', true],
    ['2025-02-08', true],
    ['2025-04-04', false],
    ['2025-04-07', true],
    ['2025-04-27', true],
    ['2025-05-05', false],
    ['2025-05-06', true],
    ['2025-06-02', false],
    ['2025-06-03', true],
    ['2025-09-28', true],
    ['2025-10-06', false],
    ['2025-10-08', false],
    ['2025-10-09', true],
    ['2025-10-11', true],
    // 2026 (notice of 2025-11-04)
    ['2026-01-02', false],
    ['2026-01-04', true],
    ['2026-02-13', true],
    ['2026-02-14', true],
    ['2026-02-15', false],
    ['2026-02-23', false],
    ['2026-02-24', true],
    ['2026-02-28', true],
    ['2026-04-06', false],
    ['2026-04-07', true],
    ['2026-05-05', false],
    ['2026-05-09', true],
    ['2026-06-19', false],
    ['2026-09-20', true],
    ['2026-09-25', false],
    ['2026-10-07', false],
    ['2026-10-08', true],
    ['2026-10-10', true],
  ])('%s working day: %s', (date, working) => {
    expect(isWorkingDay(defaultChinaCalendar(), date)).toBe(working);
  });

  it('the default calendar is Asia/Shanghai, Monday-Friday 09:00-12:00 and 13:30-18:00, closed at weekends', () => {
    const calendar = defaultChinaCalendar();
    expect(calendar.timeZone).toBe('Asia/Shanghai');
    for (const key of ['1', '2', '3', '4', '5'] as const) {
      expect(calendar.weeklyWindows[key]).toEqual([
        { start: '09:00', end: '12:00' },
        { start: '13:30', end: '18:00' },
      ]);
    }
    expect(calendar.weeklyWindows['0'] ?? []).toEqual([]);
    expect(calendar.weeklyWindows['6'] ?? []).toEqual([]);
  });

  it('returns a fresh definition each call, so a caller cannot corrupt the seed', () => {
    const first = defaultChinaCalendar();
    (first.holidays as string[]).length = 0;
    expect(defaultChinaCalendar().holidays.length).toBeGreaterThan(0);
  });
});
