import fc from 'fast-check';
import { parseWeek, weekBefore, weekOfDate } from './business-week';

describe('ISO business weeks', () => {
  it.each([
    ['2026-12-01', '2026-W49', '2026-11-30'],
    ['2026-11-29', '2026-W48', '2026-11-23'], // a Sunday belongs to the week before
    ['2027-01-01', '2026-W53', '2026-12-28'], // 2026 has 53 weeks
    ['2025-12-29', '2026-W01', '2025-12-29'], // and its week 1 starts in December
    ['2021-01-03', '2020-W53', '2020-12-28'],
  ])('%s is in %s (Monday %s)', (date, week, monday) => {
    expect(weekOfDate(date)).toMatchObject({ week, monday });
  });

  it('parses a week back to its Monday and refuses weeks that do not exist', () => {
    expect(parseWeek('2026-W53')).toEqual({
      week: '2026-W53',
      monday: '2026-12-28',
      nextMonday: '2027-01-04',
    });
    expect(() => parseWeek('2025-W53')).toThrow();
    expect(() => parseWeek('2026-W00')).toThrow();
    expect(() => parseWeek('2026-49')).toThrow();
  });

  it('steps back over a year boundary', () => {
    expect(weekBefore(parseWeek('2026-W02'), 3).week).toBe('2025-W51');
  });

  it('every date lies in its week, and the week parses back to itself', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (d) => {
          const date = d.toISOString().slice(0, 10);
          const week = weekOfDate(date);
          expect(week.monday <= date && date < week.nextMonday).toBe(true);
          expect(parseWeek(week.week)).toEqual(week);
        },
      ),
    );
  });
});
