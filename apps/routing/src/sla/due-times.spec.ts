import { dueTimes } from './due-times';
import { SEEDED_SLA_SETTINGS, type SlaSettings } from './sla-settings';

const at = new Date('2026-05-15T09:50:00Z');
const facts = { type: 'complaint' as const, channel: 'hotline' as const };

describe('due times (R1)', () => {
  it.each([
    ['L1', 10, 120],
    ['L2', 30, 240],
    ['L3', 120, 1440],
  ] as const)('%s: first response +%i min, plan +%i min from receipt', (level, first, plan) => {
    const due = dueTimes(SEEDED_SLA_SETTINGS, { ...facts, level }, at);
    expect(due.policy).toBe('r1-default');
    expect(due.firstResponse.getTime() - at.getTime()).toBe(first * 60_000);
    expect(due.plan.getTime() - at.getTime()).toBe(plan * 60_000);
  });

  it('takes the first policy whose match holds', () => {
    const settings: SlaSettings = {
      policies: [
        {
          id: 'wechat-fast',
          match: { channels: ['wechat'] },
          targets: {
            L1: { firstResponseMinutes: 5, planMinutes: 60 },
            L2: { firstResponseMinutes: 5, planMinutes: 60 },
            L3: { firstResponseMinutes: 5, planMinutes: 60 },
          },
        },
        ...SEEDED_SLA_SETTINGS.policies,
      ],
    };
    expect(dueTimes(settings, { ...facts, level: 'L3', channel: 'wechat' }, at).policy).toBe('wechat-fast');
    expect(dueTimes(settings, { ...facts, level: 'L3' }, at).policy).toBe('r1-default');
  });

  it('refuses settings without a matching policy', () => {
    const settings: SlaSettings = {
      policies: [{ ...SEEDED_SLA_SETTINGS.policies[0], match: { levels: ['L1'] } }],
    };
    expect(() => dueTimes(settings, { ...facts, level: 'L2' }, at)).toThrow(/no SLA policy/);
  });
});
