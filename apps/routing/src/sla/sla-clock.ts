import {
  addBusinessDuration,
  addCalendarDuration,
  businessTimeBetween,
  type BusinessCalendar,
} from '@closeloop/calendar';
import type { SlaMetricName, SlaState, TicketStatus } from '@closeloop/contracts';
import { slaState } from './due-times';
import type { Clock, SlaTargets } from '../settings/sla-settings';

/** What the SLA clock needs to know of a ticket (a subset of the entity, so the rules stay pure). */
export interface ClockTicket {
  status: TicketStatus;
  pausedAt: Date | null;
  round: number;
  respondedAt: Date | null;
  dueFirstResponse: Date;
  plannedAt: Date | null;
  duePlan: Date;
  resolvedAt: Date | null;
  dueResolution: Date | null;
  nextProgressDue: Date | null;
  progressSeq: number;
}

/** A metric still to be met, identified by its sequence number (see SlaOutcomeEntity.seq). */
export interface OpenMetric {
  metric: SlaMetricName;
  seq: number;
  dueAt: Date;
}

/** Statuses in which the ticket is being worked and its SLA clocks run (R6). */
export const WORKING_STATUSES: ReadonlySet<TicketStatus> = new Set([
  'new',
  'classified',
  'assigned',
  'in_progress',
  'reopened',
]);

/** The due times still to be met: none once the ticket is resolved, confirmed, closed or archived. */
export function openMetrics(ticket: ClockTicket): OpenMetric[] {
  if (!WORKING_STATUSES.has(ticket.status)) return [];
  const open: OpenMetric[] = [];
  if (!ticket.respondedAt) open.push({ metric: 'firstResponse', seq: 0, dueAt: ticket.dueFirstResponse });
  if (!ticket.plannedAt) open.push({ metric: 'plan', seq: ticket.round, dueAt: ticket.duePlan });
  if (ticket.nextProgressDue) {
    open.push({ metric: 'progress', seq: ticket.progressSeq, dueAt: ticket.nextProgressDue });
  }
  if (ticket.dueResolution && !ticket.resolvedAt) {
    open.push({ metric: 'resolution', seq: ticket.round, dueAt: ticket.dueResolution });
  }
  return open;
}

/**
 * Open metrics whose clock runs. While the ticket waits on the customer the clocks stop, except for due
 * times that had already passed when the pause began: a breach stays a breach (pausing never hides one).
 */
export function runningMetrics(ticket: ClockTicket): OpenMetric[] {
  const open = openMetrics(ticket);
  const pausedAt = ticket.pausedAt;
  return pausedAt ? open.filter((metric) => metric.dueAt <= pausedAt) : open;
}

/** The earliest running due time, or null (stored as `next_due_at` for lists and filters). */
export function nextDue(ticket: ClockTicket): Date | null {
  const running = runningMetrics(ticket);
  if (running.length === 0) return null;
  return new Date(Math.min(...running.map((metric) => metric.dueAt.getTime())));
}

/** R2, R7: the SLA state of the metrics still open, at `now`. */
export function ticketSlaState(ticket: ClockTicket, now: Date, dueSoonMinutes: number): SlaState {
  const running = runningMetrics(ticket).map((metric) => metric.dueAt);
  const state = slaState(now, running, dueSoonMinutes);
  if (state !== 'breached' && ticket.pausedAt && WORKING_STATUSES.has(ticket.status)) return 'paused';
  return state;
}

/** R7 timing, from the `sla` (warning) and `escalation` settings. */
export interface AlertTiming {
  warnBeforeMs: number;
  escalateEveryMs: number;
  maxLevel: number;
}

export type AlertKind = 'warning' | 'breach' | 'escalation';

/** An alert the sweep fires: for one metric's due time; escalations carry their level (≥ 1). */
export interface DueAlert {
  kind: AlertKind;
  metric: SlaMetricName;
  seq: number;
  dueAt: Date;
  escalationLevel: number;
}

/**
 * Every alert whose time has come at `now`: the warning from `warnBeforeMs` before a due time until it,
 * the breach from the due time on, and escalation level k from `dueAt + (k - 1) × escalateEveryMs`. A due
 * time already passed gets no warning. The caller fires each at most once (sla_alerts' unique key), so
 * asking again later, or from two replicas, repeats nothing.
 */
export function alertsDue(ticket: ClockTicket, now: Date, timing: AlertTiming): DueAlert[] {
  const alerts: DueAlert[] = [];
  const t = now.getTime();
  for (const { metric, seq, dueAt } of runningMetrics(ticket)) {
    const due = dueAt.getTime();
    const base = { metric, seq, dueAt };
    if (t < due) {
      if (t >= due - timing.warnBeforeMs) alerts.push({ ...base, kind: 'warning', escalationLevel: 0 });
      continue;
    }
    alerts.push({ ...base, kind: 'breach', escalationLevel: 0 });
    for (let level = 1; level <= timing.maxLevel; level++) {
      if (due + (level - 1) * timing.escalateEveryMs > t) break;
      alerts.push({ ...base, kind: 'escalation', escalationLevel: level });
    }
  }
  return alerts;
}

/**
 * When the sweep next has something to do for the ticket after `now` (stored as `next_alert_at`): the next
 * warning, breach or escalation of a running metric, or one of `others` (R9 automatic close, archiving).
 * Null when nothing is scheduled.
 */
export function nextAlertAt(
  ticket: ClockTicket,
  now: Date,
  timing: AlertTiming,
  others: readonly (Date | null)[] = [],
): Date | null {
  const t = now.getTime();
  const candidates: number[] = others.filter((d): d is Date => d !== null).map((d) => d.getTime());
  for (const { dueAt } of runningMetrics(ticket)) {
    const due = dueAt.getTime();
    const warnAt = due - timing.warnBeforeMs;
    if (t < warnAt) candidates.push(warnAt);
    else if (t < due) candidates.push(due);
    else {
      const every = Math.max(timing.escalateEveryMs, 1);
      const level = Math.floor((t - due) / every) + 2; // the first level not yet due
      if (level <= timing.maxLevel) candidates.push(due + (level - 1) * every);
    }
  }
  return candidates.length === 0 ? null : new Date(Math.min(...candidates));
}

/**
 * When the sweep should look at the ticket after a change at `now` (stored as `next_alert_at`): at once
 * when an alert is already due — a ticket recorded after the fact, or a change that brought a due time
 * into its warning window; the sweep's unique key makes a second look harmless — else the next alert.
 */
export function nextWorkAt(
  ticket: ClockTicket,
  now: Date,
  timing: AlertTiming,
  others: readonly (Date | null)[] = [],
): Date | null {
  if (alertsDue(ticket, now, timing).length > 0) return now;
  return nextAlertAt(ticket, now, timing, others);
}

/** Which clock each metric of a ticket counts on. */
export type MetricClocks = Record<SlaMetricName, Clock>;

export function clocksOf(targets: SlaTargets): MetricClocks {
  return {
    firstResponse: targets.firstResponse.clock,
    plan: targets.plan.clock,
    progress: targets.progressEvery.clock,
    // A resolution due time taken from the plan's "by when" (no policy target) is a calendar instant.
    resolution: targets.resolution?.clock ?? 'calendar',
  };
}

/** The ticket's four due-time columns, as a pause moves them. */
export interface DueColumns {
  dueFirstResponse: Date;
  duePlan: Date;
  dueResolution: Date | null;
  nextProgressDue: Date | null;
}

const COLUMN: Record<SlaMetricName, keyof DueColumns> = {
  firstResponse: 'dueFirstResponse',
  plan: 'duePlan',
  progress: 'nextProgressDue',
  resolution: 'dueResolution',
};

/**
 * The due times after a pause from `pausedAt` to `resumedAt`: each metric that was open and not yet due
 * when the pause began moves by the paused span measured on its own clock — elapsed time on the calendar
 * clock; on the business clock the open time of the calendar inside the pause, added to the due time
 * (so a pause over a night or a weekend moves a business-time due time by nothing). Breached and finished
 * metrics keep their due times.
 */
export function dueAfterPause(
  ticket: ClockTicket,
  resumedAt: Date,
  clocks: MetricClocks,
  calendar: BusinessCalendar,
): DueColumns {
  const moved: DueColumns = {
    dueFirstResponse: ticket.dueFirstResponse,
    duePlan: ticket.duePlan,
    dueResolution: ticket.dueResolution,
    nextProgressDue: ticket.nextProgressDue,
  };
  const pausedAt = ticket.pausedAt;
  if (!pausedAt || resumedAt <= pausedAt) return moved;
  const elapsed = resumedAt.getTime() - pausedAt.getTime();
  const business = businessTimeBetween(calendar, pausedAt, resumedAt);
  for (const { metric, dueAt } of openMetrics(ticket)) {
    if (dueAt <= pausedAt) continue;
    moved[COLUMN[metric]] =
      clocks[metric] === 'calendar'
        ? addCalendarDuration(calendar, dueAt, elapsed)
        : business === 0
          ? dueAt
          : addBusinessDuration(calendar, dueAt, business);
  }
  return moved;
}
