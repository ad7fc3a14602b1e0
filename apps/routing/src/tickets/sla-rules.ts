import type { BusinessCalendar } from '@closeloop/calendar';
import type { LifecycleSettings } from '../settings/lifecycle-settings';
import type { TicketEntity } from './entities/ticket.entity';
import type { TicketRules } from './transitions';
import type { CalendarLookup } from '../sla/due-times';
import type { EscalationSettings } from '../settings/escalation-settings';
import { nextDue, nextWorkAt, type AlertTiming } from '../sla/sla-clock';
import type { SlaSettings, SlaTargets } from '../settings/sla-settings';

/** The settings every lifecycle change and sweep needs, read together. */
export interface SlaRulesSnapshot {
  sla: SlaSettings;
  escalation: EscalationSettings;
  lifecycle: LifecycleSettings;
  calendars: CalendarLookup;
  timing: AlertTiming;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** R7: the sweep's alert timing from the settings: the warning window, the escalation step and its top. */
export function alertTiming(sla: SlaSettings, escalation: EscalationSettings): AlertTiming {
  return {
    warnBeforeMs: sla.dueSoonMinutes * MINUTE,
    escalateEveryMs: escalation.upAfterMinutes * MINUTE,
    maxLevel: escalation.maxLevel,
  };
}

function requireCalendar(calendars: CalendarLookup, id: string): BusinessCalendar {
  const calendar = calendars(id);
  if (!calendar) throw new Error(`calendar ${id} is not in the calendar settings`);
  return calendar;
}

/**
 * The ticket's own promise: the targets stored at opening. Tickets opened before targets were stored fall
 * back to their policy as it is now (or the catch-all policy if it was removed).
 */
export function targetsOf(snapshot: SlaRulesSnapshot, ticket: TicketEntity): SlaTargets {
  if (ticket.slaTargets) return ticket.slaTargets;
  const policies = snapshot.sla.policies;
  const policy = policies.find((p) => p.id === ticket.slaPolicy) ?? policies[policies.length - 1];
  const targets = policy.targets[ticket.level];
  if (!targets) throw new Error(`SLA policy ${policy.id} has no targets for ${ticket.level}`);
  return targets;
}

export function rulesFor(snapshot: SlaRulesSnapshot, ticket: TicketEntity): TicketRules {
  const lifecycleCalendar = requireCalendar(snapshot.calendars, snapshot.lifecycle.calendar);
  const policy = snapshot.sla.policies.find((p) => p.id === ticket.slaPolicy);
  const calendarId = ticket.slaCalendar ?? policy?.calendar ?? snapshot.lifecycle.calendar;
  return {
    targets: targetsOf(snapshot, ticket),
    // A calendar removed since the ticket opened: count in the lifecycle calendar rather than fail.
    calendar: snapshot.calendars(calendarId) ?? lifecycleCalendar,
    lifecycle: snapshot.lifecycle,
    lifecycleCalendar,
  };
}

/** When a confirmed or closed ticket is archived. */
export function archiveAt(snapshot: SlaRulesSnapshot, ticket: TicketEntity): Date | null {
  if (ticket.status !== 'confirmed' && ticket.status !== 'closed') return null;
  const settled = ticket.confirmedAt ?? ticket.closedAt;
  return settled ? new Date(settled.getTime() + snapshot.lifecycle.archiveAfterDays * DAY) : null;
}

/** R9: the lifecycle times the sweep also wakes up for, besides alerts: auto-confirmation and archiving. */
export function lifecycleWakeUps(snapshot: SlaRulesSnapshot, ticket: TicketEntity): (Date | null)[] {
  return [ticket.status === 'resolved' ? ticket.autoCloseAt : null, archiveAt(snapshot, ticket)];
}

/** The stored schedule of a ticket after a change at `now`: earliest running due time and next sweep work. */
export function scheduleOf(
  snapshot: SlaRulesSnapshot,
  ticket: TicketEntity,
  now: Date,
): { nextDueAt: Date | null; nextAlertAt: Date | null } {
  return {
    nextDueAt: nextDue(ticket),
    nextAlertAt: nextWorkAt(ticket, now, snapshot.timing, lifecycleWakeUps(snapshot, ticket)),
  };
}
