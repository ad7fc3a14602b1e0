import { businessDate, formatTicketNo } from './ticket-number';

describe('ticket numbers (I3)', () => {
  it('formats the sequence of the 001 example', () => {
    expect(formatTicketNo('2024-05-12', 1, 4)).toBe('202405120001');
  });

  it('grows past 4 digits on a day with more than 9,999 tickets', () => {
    expect(formatTicketNo('2024-05-12', 9999, 4)).toBe('202405129999');
    expect(formatTicketNo('2024-05-12', 10000, 4)).toBe('2024051210000');
  });

  it('takes the date in the business time zone, not UTC', () => {
    // 2024-05-11 16:30 UTC is already 2024-05-12 00:30 in Shanghai.
    const instant = new Date('2024-05-11T16:30:00Z');
    expect(businessDate(instant, 'Asia/Shanghai')).toBe('2024-05-12');
    expect(businessDate(instant, 'UTC')).toBe('2024-05-11');
    expect(businessDate(instant, 'America/New_York')).toBe('2024-05-11');
  });

  it('changes the date exactly at midnight in the zone, also for instants in the same minute as before', () => {
    // Shanghai midnight is 16:00 UTC. Asked in this order, a per-minute memo must not answer stale dates.
    expect(businessDate(new Date('2024-05-11T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2024-05-11');
    expect(businessDate(new Date('2024-05-11T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2024-05-12');
    expect(businessDate(new Date('2024-05-11T15:59:30.000Z'), 'Asia/Shanghai')).toBe('2024-05-11');
    expect(businessDate(new Date('2024-05-11T16:00:59.000Z'), 'Asia/Shanghai')).toBe('2024-05-12');
    // A zone with a 45-minute offset: Nepal's midnight is 18:15 UTC.
    expect(businessDate(new Date('2024-05-11T18:14:59Z'), 'Asia/Kathmandu')).toBe('2024-05-11');
    expect(businessDate(new Date('2024-05-11T18:15:00Z'), 'Asia/Kathmandu')).toBe('2024-05-12');
  });
});
