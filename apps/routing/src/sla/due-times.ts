import type { Channel, FeedbackType, Level } from '@closeloop/contracts';
import type { SlaPolicy, SlaSettings } from './sla-settings';

export interface DueTimes {
  policy: string;
  firstResponse: Date;
  plan: Date;
}

interface TicketFacts {
  level: Level;
  type: FeedbackType;
  channel: Channel;
}

/** R1: the first policy whose every given condition holds. */
export function choosePolicy(settings: SlaSettings, facts: TicketFacts): SlaPolicy {
  const policy = settings.policies.find(({ match }) => {
    if (match.levels && !match.levels.includes(facts.level)) return false;
    if (match.types && !match.types.includes(facts.type)) return false;
    if (match.channels && !match.channels.includes(facts.channel)) return false;
    return true;
  });
  if (!policy) throw new Error('no SLA policy matches; the settings must end with a catch-all policy');
  return policy;
}

/** R1, R2: due times counted from when the customer reached us (calendar time). */
export function dueTimes(settings: SlaSettings, facts: TicketFacts, receivedAt: Date): DueTimes {
  const policy = choosePolicy(settings, facts);
  const targets = policy.targets[facts.level];
  const plus = (minutes: number) => new Date(receivedAt.getTime() + minutes * 60_000);
  return {
    policy: policy.id,
    firstResponse: plus(targets.firstResponseMinutes),
    plan: plus(targets.planMinutes),
  };
}
