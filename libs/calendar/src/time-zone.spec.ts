import { isValidTimeZone, wallMsToInstant, zoneOffsetMs } from './time-zone';

const HOUR = 3_600_000;
const utc = (iso: string): number => new Date(`${iso}Z`).getTime();
const wall = (iso: string): number => new Date(`${iso}Z`).getTime();

describe('zoneOffsetMs', () => {
  it.each([
    ['Asia/Shanghai', '2025-01-15T12:00:00', 8 * HOUR],
    ['Asia/Shanghai', '2025-07-15T12:00:00', 8 * HOUR],
    ['Europe/Berlin', '2025-01-15T12:00:00', 1 * HOUR],
    ['Europe/Berlin', '2025-07-15T12:00:00', 2 * HOUR],
    ['America/New_York', '2025-01-15T12:00:00', -5 * HOUR],
    ['America/New_York', '2025-07-15T12:00:00', -4 * HOUR],
    ['Asia/Kolkata', '2025-01-15T12:00:00', 5.5 * HOUR],
    ['UTC', '2025-01-15T12:00:00', 0],
  ])('%s at %sZ is %i ms', (zone, iso, expected) => {
    expect(zoneOffsetMs(zone, utc(iso))).toBe(expected);
  });

  it('switches exactly at the transition instant (Berlin, 2025-03-30 01:00Z)', () => {
    expect(zoneOffsetMs('Europe/Berlin', utc('2025-03-30T01:00:00') - 1)).toBe(HOUR);
    expect(zoneOffsetMs('Europe/Berlin', utc('2025-03-30T01:00:00'))).toBe(2 * HOUR);
  });
});

describe('wallMsToInstant', () => {
  it('maps an ordinary wall time to its one instant, whatever the choice', () => {
    for (const choice of ['earliest', 'latest'] as const) {
      expect(wallMsToInstant('Asia/Shanghai', wall('2025-10-09T10:50:00'), choice)).toBe(
        utc('2025-10-09T02:50:00'),
      );
      expect(wallMsToInstant('Europe/Berlin', wall('2025-03-30T01:30:00'), choice)).toBe(
        utc('2025-03-30T00:30:00'),
      );
    }
  });

  it('maps a wall time in the spring-forward gap to the instant the clocks jump', () => {
    // Berlin 2025-03-30 02:00 CET -> 03:00 CEST at 01:00Z; 02:30 never happens.
    expect(wallMsToInstant('Europe/Berlin', wall('2025-03-30T02:30:00'), 'earliest')).toBe(
      utc('2025-03-30T01:00:00'),
    );
    expect(wallMsToInstant('Europe/Berlin', wall('2025-03-30T02:00:00'), 'latest')).toBe(
      utc('2025-03-30T01:00:00'),
    );
    // New York 2025-03-09 02:00 EST -> 03:00 EDT at 07:00Z.
    expect(wallMsToInstant('America/New_York', wall('2025-03-09T02:30:00'), 'earliest')).toBe(
      utc('2025-03-09T07:00:00'),
    );
    // Lord Howe moves by 30 minutes: 2025-10-05 02:00 -> 02:30 local at 15:30Z the day before.
    expect(wallMsToInstant('Australia/Lord_Howe', wall('2025-10-05T02:15:00'), 'earliest')).toBe(
      utc('2025-10-04T15:30:00'),
    );
  });

  it('maps a repeated wall time to its first or second occurrence as asked', () => {
    // Berlin 2025-10-26 03:00 CEST -> 02:00 CET at 01:00Z; 02:30 happens at 00:30Z and 01:30Z.
    expect(wallMsToInstant('Europe/Berlin', wall('2025-10-26T02:30:00'), 'earliest')).toBe(
      utc('2025-10-26T00:30:00'),
    );
    expect(wallMsToInstant('Europe/Berlin', wall('2025-10-26T02:30:00'), 'latest')).toBe(
      utc('2025-10-26T01:30:00'),
    );
    // New York 2025-11-02 02:00 EDT -> 01:00 EST at 06:00Z; 01:30 happens at 05:30Z and 06:30Z.
    expect(wallMsToInstant('America/New_York', wall('2025-11-02T01:30:00'), 'earliest')).toBe(
      utc('2025-11-02T05:30:00'),
    );
    expect(wallMsToInstant('America/New_York', wall('2025-11-02T01:30:00'), 'latest')).toBe(
      utc('2025-11-02T06:30:00'),
    );
  });
});

describe('isValidTimeZone', () => {
  it.each(['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC'])('accepts %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });
  it.each(['Asia/Beijing', 'Mars/Olympus', '', '+08:00x'])('rejects %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });
});
