import { compileCalendar, defaultChinaCalendar } from '@closeloop/calendar';
import { validateContract } from '@closeloop/contracts';
import { SLA_SEED_V1 } from '../migrations/1795419810702-SlaPoliciesAndCalendars';
import { checkCalendarSettings } from '../settings/calendar-settings.checks';
import {
  checkSlaSettings,
  choosePolicy,
  dueTimes,
  slaState,
  type CalendarLookup,
  type TicketFacts,
} from './due-times';
import { SlaSettings, type SlaPolicy } from '../settings/sla-settings';

const china = compileCalendar({ ...defaultChinaCalendar(), id: 'default' });
const calendars: CalendarLookup = (id) => (id === 'default' ? china : undefined);
const seed = validateContract(SlaSettings, SLA_SEED_V1);

/** Shanghai wall time (UTC+8, no DST) as an instant. */
const shanghai = (local: string) => new Date(`${local}:00+08:00`);
const l1Complaint: TicketFacts = { level: 'L1', type: 'complaint', channel: 'hotline' };

function withPolicies(...policies: SlaPolicy[]): SlaSettings {
  return { dueSoonMinutes: 15, policies: [...policies, ...seed.policies] };
}

describe('the seeded policies (R1: 001 and 004)', () => {
  it('are a valid document that refers to the seeded calendar', () => {
    expect(checkSlaSettings(seed, new Set(['default']))).toEqual([]);
    expect(
      checkCalendarSettings({ calendars: [{ ...defaultChinaCalendar(), id: 'default' }] }, seed),
    ).toEqual([]);
  });

  it.each([
    ['L1', 'complaint', 'hotline', 'r1-default'],
    ['L1', 'complaint', 'email', 'r1-default'], // urgent work never gets 004's 48 h
    ['L2', 'after_sales', 'weibo', 'r1-default'],
    ['L3', 'consultation', 'hotline', 'r1-default'],
    ['L3', 'complaint', 'ecommerce_review', 'feedback-complex'],
    ['L3', 'suggestion', 'store_comment_book', 'feedback-ordinary'],
    ['L3', 'complaint', 'wechat', 'r1-default'],
  ] as const)('%s %s via %s -> %s', (level, type, channel, policy) => {
    expect(choosePolicy(seed, { level, type, channel }).id).toBe(policy);
  });

  it.each([
    ['L1', 10, 120],
    ['L2', 30, 240],
    ['L3', 120, 1440],
  ] as const)(
    '001 %s: first response +%i min, plan +%i min, progress +24 h, calendar time',
    (level, first, plan) => {
      const at = shanghai('2026-11-21T23:50'); // a Saturday night: calendar time does not wait for Monday
      const due = dueTimes(seed, calendars, { ...l1Complaint, level }, at);
      expect(due.policy).toBe('r1-default');
      expect(due.firstResponse.getTime() - at.getTime()).toBe(first * 60_000);
      expect(due.plan.getTime() - at.getTime()).toBe(plan * 60_000);
      expect(due.nextProgress.getTime() - at.getTime()).toBe(24 * 3_600_000);
      expect(due.resolution).toBeNull(); // 001 sets no resolution time; the plan says by when (R4)
    },
  );

  it('004 ordinary: respond 24 h, resolve 72 h (calendar time)', () => {
    const at = shanghai('2026-11-20T17:50');
    const due = dueTimes(seed, calendars, { level: 'L3', type: 'suggestion', channel: 'email' }, at);
    expect(due.firstResponse).toEqual(shanghai('2026-11-21T17:50'));
    expect(due.resolution).toEqual(shanghai('2026-11-23T17:50'));
  });
});

describe('due times on the business calendar', () => {
  it('an L1 complaint on Friday 2026-11-20 17:50: first response 18:00, plan 19:50 (calendar time)', () => {
    const due = dueTimes(seed, calendars, l1Complaint, shanghai('2026-11-20T17:50'));
    expect(due.firstResponse).toEqual(shanghai('2026-11-20T18:00'));
    expect(due.plan).toEqual(shanghai('2026-11-20T19:50'));
  });

  it('under a business-time policy the same 2 h plan lands Monday 10:50 (09:00-12:00 / 13:30-18:00)', () => {
    const business: SlaPolicy = {
      id: 'l1-office-hours',
      match: { levels: ['L1'] },
      calendar: 'default',
      targets: {
        L1: {
          firstResponse: { clock: 'business', minutes: 10 },
          plan: { clock: 'business', minutes: 120 },
          progressEvery: { clock: 'business', minutes: 24 * 60 },
          resolution: { clock: 'business', workingDays: 2 },
        },
      },
    };
    const settings = withPolicies(business);
    expect(checkSlaSettings(settings, new Set(['default']))).toEqual([]);
    const due = dueTimes(settings, calendars, l1Complaint, shanghai('2026-11-20T17:50'));
    expect(due.policy).toBe('l1-office-hours');
    expect(due.firstResponse).toEqual(shanghai('2026-11-20T18:00')); // the window's end, not Monday
    expect(due.plan).toEqual(shanghai('2026-11-23T10:50')); // 10 min Friday + 1 h 50 min Monday
    expect(due.resolution).toEqual(shanghai('2026-11-24T18:00')); // end of the 2nd working day after Friday
  });

  it.each([
    // 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up workdays (调休).
    ['2025-09-30T10:00', '2025-10-14T18:00'], // 10-09, 10-10, 10-11 (Sat), 10-13, 10-14
    ['2025-09-27T11:00', '2025-10-10T18:00'], // 09-28 (Sun), 09-29, 09-30, 10-09, 10-10
    ['2025-10-08T16:00', '2025-10-14T18:00'], // raised on a holiday: the same five days as from 09-30
  ])('a complex complaint received %s is resolved by %s (5 working days, National Day 2025)', (at, due) => {
    const facts: TicketFacts = { level: 'L3', type: 'complaint', channel: 'email' };
    const times = dueTimes(seed, calendars, facts, shanghai(at));
    expect(times.policy).toBe('feedback-complex');
    expect(times.resolution).toEqual(shanghai(due));
    expect(times.firstResponse.getTime() - shanghai(at).getTime()).toBe(48 * 3_600_000);
  });
});

describe('policy choice', () => {
  const vip: SlaPolicy = {
    ...seed.policies[2],
    id: 'high-value-fast',
    match: { segments: ['high_value'] },
  };

  it('a policy matching segments does not match a ticket without one', () => {
    const settings = withPolicies(vip);
    expect(choosePolicy(settings, l1Complaint).id).toBe('r1-default');
    expect(choosePolicy(settings, { ...l1Complaint, segment: null }).id).toBe('r1-default');
    expect(choosePolicy(settings, { ...l1Complaint, segment: 'churn_risk' }).id).toBe('r1-default');
    expect(choosePolicy(settings, { ...l1Complaint, segment: 'high_value' }).id).toBe('high-value-fast');
  });

  it('takes the first policy whose every condition holds', () => {
    const wechat: SlaPolicy = { ...vip, id: 'wechat', match: { channels: ['wechat'], types: ['complaint'] } };
    const settings = withPolicies(wechat, { ...wechat, id: 'wechat-any', match: { channels: ['wechat'] } });
    expect(choosePolicy(settings, { ...l1Complaint, channel: 'wechat' }).id).toBe('wechat');
    expect(choosePolicy(settings, { ...l1Complaint, channel: 'wechat', type: 'care' }).id).toBe('wechat-any');
  });

  it('refuses settings without a matching policy', () => {
    const settings: SlaSettings = { dueSoonMinutes: 15, policies: [{ ...vip, match: { levels: ['L1'] } }] };
    expect(() => dueTimes(settings, calendars, { ...l1Complaint, level: 'L2' }, new Date())).toThrow(
      /no SLA policy/,
    );
  });
});

describe('document checks beyond the field types', () => {
  it('names the path of every problem', () => {
    const settings: SlaSettings = {
      dueSoonMinutes: 15,
      policies: [
        {
          id: 'a',
          match: { levels: ['L1', 'L2'] },
          calendar: 'nowhere',
          targets: {
            L1: {
              firstResponse: { clock: 'calendar', minutes: 10, workingDays: 1 },
              plan: { clock: 'calendar', workingDays: 1 },
              progressEvery: { clock: 'calendar' },
            },
          },
        },
        { ...seed.policies[2], id: 'a', match: { types: ['care'] } },
      ],
    };
    expect(checkSlaSettings(settings, new Set(['default']))).toEqual([
      { field: 'policies.0.calendar', message: 'no calendar with id nowhere' },
      {
        field: 'policies.0.targets.L1.firstResponse',
        message: 'give exactly one of minutes and workingDays',
      },
      { field: 'policies.0.targets.L1.plan.clock', message: 'workingDays counts on the business clock' },
      {
        field: 'policies.0.targets.L1.progressEvery',
        message: 'give exactly one of minutes and workingDays',
      },
      { field: 'policies.0.targets.L2', message: 'required: the policy matches L2' },
      { field: 'policies.1.id', message: 'duplicate policy id a' },
      { field: 'policies.1.match', message: 'the last policy must match every ticket (no conditions)' },
    ]);
  });

  it('refuses a bad calendar window, a duplicate id and removing a calendar a policy uses', () => {
    const good = { ...defaultChinaCalendar(), id: 'default' };
    const bad = {
      ...good,
      id: 'store-7',
      weeklyWindows: { ...good.weeklyWindows, 2: [{ start: '12:00', end: '09:00' }] },
    };
    expect(checkCalendarSettings({ calendars: [good, bad, { ...good }] }, seed)).toEqual([
      expect.objectContaining({ field: 'calendars.1.weeklyWindows.2[0]' }),
      { field: 'calendars.2.id', message: 'duplicate calendar id default' },
    ]);
    expect(checkCalendarSettings({ calendars: [{ ...good, id: 'other' }] }, seed)).toContainEqual({
      field: 'calendars',
      message: 'calendar default is used by SLA policy feedback-complex: change the policy first',
    });
  });
});

describe('SLA state (R2, R7)', () => {
  const now = shanghai('2026-11-23T10:00');
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
  it.each([
    [[60, 16], 'on_track'],
    [[60, 15], 'due_soon'],
    [[60, 1], 'due_soon'],
    [[60, 0], 'breached'],
    [[60, -5], 'breached'],
    [[], 'on_track'],
  ] as const)('due in %j minutes -> %s', (minutes, state) => {
    expect(slaState(now, minutes.map(at), 15)).toBe(state);
  });
});
