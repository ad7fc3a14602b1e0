import { defaultChinaCalendar } from './china/default-china-calendar';
import { yearsWithoutHolidayData } from './holiday-coverage';

describe('yearsWithoutHolidayData', () => {
  const china = defaultChinaCalendar();

  it('finds nothing missing inside the seeded years', () => {
    expect(yearsWithoutHolidayData(china, '2024-01-01', '2026-12-31')).toEqual([]);
  });

  it('names the next year when the seed ends before it (the State Council notice is not entered yet)', () => {
    expect(yearsWithoutHolidayData(china, '2026-12-01', '2027-03-01')).toEqual([2027]);
    expect(yearsWithoutHolidayData(china, '2026-12-01', '2028-01-02')).toEqual([2027, 2028]);
  });

  it('counts a year with only make-up workdays as covered', () => {
    const calendar = { holidays: ['2026-10-01'], workdays: ['2027-01-03'] };
    expect(yearsWithoutHolidayData(calendar, '2026-12-01', '2027-02-01')).toEqual([]);
  });

  it('never reports a calendar without holiday data, nor years before its first data', () => {
    expect(yearsWithoutHolidayData({ holidays: [], workdays: [] }, '2026-01-01', '2030-01-01')).toEqual([]);
    expect(
      yearsWithoutHolidayData({ holidays: ['2026-05-01'], workdays: [] }, '2020-01-01', '2026-06-01'),
    ).toEqual([]);
  });
});
