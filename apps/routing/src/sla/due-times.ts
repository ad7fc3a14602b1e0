import {
  addBusinessDuration,
  addCalendarDuration,
  workingDaysAfter,
  type BusinessCalendar,
} from '@closeloop/calendar';
import type { Channel, FeedbackType, Level, SlaState } from '@closeloop/contracts';
import type { Segment, SlaMetric, SlaPolicy, SlaSettings, SlaTargets } from '../settings/sla-settings';
import type { CalendarLookup } from '../settings/routing-settings.repository';

export interface TicketFacts {
  level: Level;
  type: FeedbackType;
  /** Null for tickets opened before the channel was kept: policies naming channels do not match them. */
  channel: Channel | null;
  /** G1 segment of the customer; absent when not known. */
  segment?: Segment | null;
}

/** R1, R2, R4, R5: every due time of a new ticket, and the policy and calendar that gave them. */
export interface DueTimes {
  policy: string;
  calendar: string;
  /** The policy's targets for the ticket's level: stored with the ticket as its promise (R2). */
  targets: SlaTargets;
  firstResponse: Date;
  plan: Date;
  /** R5: the first progress update; each update moves it on by the policy's interval. */
  nextProgress: Date;
  /** Null when the policy sets no resolution target. */
  resolution: Date | null;
}

// The calendar lookup is the settings store's (settings/routing-settings.repository.ts) and the SLA
// document's checks live with the settings (settings/sla-settings.checks.ts): re-exported for the rules'
// readers and tests.
export type { CalendarLookup } from '../settings/routing-settings.repository';
export { checkSlaSettings, type SettingsProblem } from '../settings/sla-settings.checks';

/** R1: the first policy whose every given condition holds. A policy listing segments needs a known segment. */
export function choosePolicy(settings: SlaSettings, facts: TicketFacts): SlaPolicy {
  const policy = settings.policies.find(({ match }) => {
    if (match.levels && !match.levels.includes(facts.level)) return false;
    if (match.types && !match.types.includes(facts.type)) return false;
    if (match.channels && (!facts.channel || !match.channels.includes(facts.channel))) return false;
    if (match.segments && (!facts.segment || !match.segments.includes(facts.segment))) return false;
    return true;
  });
  if (!policy) throw new Error('no SLA policy matches; the settings must end with a catch-all policy');
  return policy;
}

/** When one metric runs out, counted from `from` on its own clock. */
export function metricDue(metric: SlaMetric, from: Date, calendar: BusinessCalendar): Date {
  if (metric.workingDays !== undefined) return workingDaysAfter(calendar, from, metric.workingDays).closesAt;
  const ms = (metric.minutes ?? 0) * 60_000;
  return metric.clock === 'business'
    ? addBusinessDuration(calendar, from, ms)
    : addCalendarDuration(calendar, from, ms);
}

/** R1, R2: due times counted from when the customer reached us. */
export function dueTimes(
  settings: SlaSettings,
  calendars: CalendarLookup,
  facts: TicketFacts,
  receivedAt: Date,
): DueTimes {
  const policy = choosePolicy(settings, facts);
  const targets = policy.targets[facts.level];
  if (!targets) throw new Error(`SLA policy ${policy.id} has no targets for ${facts.level}`);
  const calendar = calendars(policy.calendar);
  if (!calendar) throw new Error(`SLA policy ${policy.id} names the unknown calendar ${policy.calendar}`);
  return {
    policy: policy.id,
    calendar: policy.calendar,
    targets,
    firstResponse: metricDue(targets.firstResponse, receivedAt, calendar),
    plan: metricDue(targets.plan, receivedAt, calendar),
    nextProgress: metricDue(targets.progressEvery, receivedAt, calendar),
    resolution: targets.resolution ? metricDue(targets.resolution, receivedAt, calendar) : null,
  };
}

/** R2, R7: breached once the earliest open due time has passed; due soon within the warning window. */
export function slaState(now: Date, openDueTimes: readonly Date[], dueSoonMinutes: number): SlaState {
  if (openDueTimes.length === 0) return 'on_track';
  const earliest = Math.min(...openDueTimes.map((due) => due.getTime()));
  if (earliest <= now.getTime()) return 'breached';
  if (earliest - now.getTime() <= dueSoonMinutes * 60_000) return 'due_soon';
  return 'on_track';
}
