import { nextLocalTime } from './next-local-time';

describe('nextLocalTime (nightly jobs in the business time zone)', () => {
  it('is today at 02:30 Shanghai when that is still ahead, else tomorrow', () => {
    // 2026-11-20 01:00 in Shanghai = 2026-11-19T17:00Z
    expect(nextLocalTime(new Date('2026-11-19T17:00:00Z'), '02:30', 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-19T18:30:00.000Z',
    );
    // exactly at 02:30: the next one is tomorrow's
    expect(nextLocalTime(new Date('2026-11-19T18:30:00Z'), '02:30', 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-20T18:30:00.000Z',
    );
  });

  it('runs a time skipped by spring-forward when the clocks jump, and a repeated one once', () => {
    // New York, 2026-03-08: 02:00 -> 03:00
    expect(nextLocalTime(new Date('2026-03-08T05:00:00Z'), '02:30', 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    // 2026-11-01: 01:30 happens twice; the first one (EDT) is taken
    expect(nextLocalTime(new Date('2026-11-01T04:00:00Z'), '01:30', 'America/New_York').toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});
