import { LEVELS } from '@closeloop/contracts';
import type { SlaSettings } from './sla-settings';

export interface SettingsProblem {
  field: string;
  message: string;
}

const METRICS = ['firstResponse', 'plan', 'progressEvery', 'resolution'] as const;

/**
 * What class-validator cannot say about an SLA document: unique ids, known calendars, targets for every
 * level a policy can match, one amount per metric, and a last policy that matches every ticket.
 */
export function checkSlaSettings(settings: SlaSettings, calendarIds: ReadonlySet<string>): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  const seen = new Set<string>();
  settings.policies.forEach((policy, i) => {
    const at = `policies.${i}`;
    if (seen.has(policy.id))
      problems.push({ field: `${at}.id`, message: `duplicate policy id ${policy.id}` });
    seen.add(policy.id);
    if (!calendarIds.has(policy.calendar)) {
      problems.push({ field: `${at}.calendar`, message: `no calendar with id ${policy.calendar}` });
    }
    for (const level of policy.match.levels ?? LEVELS) {
      const targets = policy.targets[level];
      if (!targets) {
        problems.push({ field: `${at}.targets.${level}`, message: `required: the policy matches ${level}` });
        continue;
      }
      for (const metric of METRICS) {
        if (!targets[metric]) continue;
        const { minutes, workingDays, clock } = targets[metric];
        const field = `${at}.targets.${level}.${metric}`;
        if ((minutes === undefined) === (workingDays === undefined)) {
          problems.push({ field, message: 'give exactly one of minutes and workingDays' });
        } else if (workingDays !== undefined && clock !== 'business') {
          problems.push({ field: `${field}.clock`, message: 'workingDays counts on the business clock' });
        }
      }
    }
  });
  const last = settings.policies.length - 1;
  const { levels, types, channels, segments } = settings.policies[last]?.match ?? {};
  if (last >= 0 && (levels || types || channels || segments)) {
    problems.push({
      field: `policies.${last}.match`,
      message: 'the last policy must match every ticket (no conditions)',
    });
  }
  return problems;
}
