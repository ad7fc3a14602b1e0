import { workingDaysAfter, type BusinessCalendar } from '@closeloop/calendar';
import {
  DomainError,
  TicketEvents,
  type CloseReason,
  type ConfirmationChannel,
  type EventDefinition,
  type FeedbackType,
  type Level,
  type SlaMetricName,
  type TicketChangeV1,
  type TicketDueV1,
  type TicketStatus,
} from '@closeloop/contracts';
import { dueTimes, metricDue, type CalendarLookup } from '../sla/due-times';
import {
  clocksOf,
  dueAfterPause,
  openMetrics,
  WORKING_STATUSES,
  type DueColumns,
  type OpenMetric,
} from '../sla/sla-clock';
import type { SlaSettings, SlaTargets } from '../settings/sla-settings';
import type { LifecycleSettings } from '../settings/lifecycle-settings';
import type { TicketEntity } from './entities/ticket.entity';
import { resolutionEventId } from './resolution-event-id';

/** What a change needs beyond the ticket: the ticket's own SLA promise and the lifecycle settings. */
export interface TicketRules {
  /** The policy's targets for the ticket's level, as promised at opening. */
  targets: SlaTargets;
  /** The calendar the ticket's business-clock metrics count in. */
  calendar: BusinessCalendar;
  lifecycle: LifecycleSettings;
  /** The calendar that counts the R9 working days (lifecycle.calendar). */
  lifecycleCalendar: BusinessCalendar;
}

export interface ChangeContext {
  now: Date;
  /** A user id; null for the customer (confirmation link) or the system (sweep). */
  actor: string | null;
  rules: TicketRules;
  /** A fresh single-use secret for a confirmation link. */
  newNonce: () => string;
}

/** An event to publish with the change (typed where it is built, erased here). */
export interface PendingEvent {
  definition: EventDefinition<object>;
  data: object;
  /** The event's id when it must be known again later (the reconciliation republishes under it). */
  id?: string;
}

function pending<T extends object>(definition: EventDefinition<T>, data: T, id?: string): PendingEvent {
  return id === undefined ? { definition, data } : { definition, data, id };
}

/** A completed metric: its due time and when it was met (or late). */
export interface CompletedMetric extends OpenMetric {
  completedAt: Date;
  met: boolean;
}

/** What a transition did to its draft, for the history, the SLA record and the outbox. */
export interface Change {
  action: string;
  /** History details (free text stays here, in routing's database, never in events). */
  data: Record<string, unknown>;
  completed: CompletedMetric[];
  events: PendingEvent[];
}

export type Draft = TicketEntity;

function refuse(ticket: Draft, action: string, why: string): never {
  throw new DomainError(
    'TICKET.INVALID_TRANSITION',
    `cannot ${action} ticket ${ticket.ticketNo} (status ${ticket.status}${ticket.pausedAt ? ', paused' : ''}): ${why}`,
  );
}

function requireWorking(ticket: Draft, action: string): void {
  if (!WORKING_STATUSES.has(ticket.status)) refuse(ticket, action, 'it is not being worked on');
}

function requireStatus(ticket: Draft, action: string, ...allowed: TicketStatus[]): void {
  if (!allowed.includes(ticket.status)) refuse(ticket, action, `only from ${allowed.join(' or ')}`);
}

/** Marks the named open metrics met (or late) at `at` and returns them for the SLA record. */
function complete(ticket: Draft, names: readonly SlaMetricName[], at: Date): CompletedMetric[] {
  const done = openMetrics(ticket)
    .filter((metric) => names.includes(metric.metric))
    .map((metric) => ({ ...metric, completedAt: at, met: at.getTime() <= metric.dueAt.getTime() }));
  for (const { metric } of done) {
    if (metric === 'firstResponse') ticket.respondedAt = at;
    if (metric === 'plan') ticket.plannedAt = at;
    if (metric === 'resolution') ticket.resolvedAt = at;
  }
  return done;
}

function metOf(done: readonly CompletedMetric[], metric: SlaMetricName): boolean | undefined {
  return done.find((m) => m.metric === metric)?.met;
}

/** The first time the customer hears from us moves the ticket into work (R6). */
function startWork(ticket: Draft): void {
  if (ticket.status !== 'in_progress') ticket.status = 'in_progress';
}

function base(ticket: Draft, actor: string | null): TicketChangeV1 {
  return {
    ticketId: ticket.id,
    ticketNo: ticket.ticketNo,
    customerId: ticket.customerId,
    status: ticket.status,
    actorId: actor,
  };
}

function dueOf(ticket: Draft): TicketDueV1 {
  return {
    firstResponse: ticket.dueFirstResponse.toISOString(),
    plan: ticket.duePlan.toISOString(),
    ...(ticket.dueResolution ? { resolution: ticket.dueResolution.toISOString() } : {}),
    ...(ticket.nextProgressDue ? { progress: ticket.nextProgressDue.toISOString() } : {}),
  };
}

/** Ends a pause: due times move by the paused span, each on its metric's clock. Returns the span. */
function endPause(ticket: Draft, ctx: ChangeContext): number {
  if (!ticket.pausedAt) return 0;
  const span = ctx.now.getTime() - ticket.pausedAt.getTime();
  Object.assign(ticket, dueAfterPause(ticket, ctx.now, clocksOf(ctx.rules.targets), ctx.rules.calendar));
  ticket.pausedAt = null;
  return Math.max(span, 0);
}

/** R1: the first response reached the customer. */
export function respond(ticket: Draft, ctx: ChangeContext, input: { note?: string }): Change {
  requireWorking(ticket, 'respond to');
  if (ticket.respondedAt) refuse(ticket, 'respond to', 'the first response is already recorded');
  const completed = complete(ticket, ['firstResponse'], ctx.now);
  startWork(ticket);
  const done = completed[0];
  return {
    action: 'responded',
    data: { ...(input.note ? { note: input.note } : {}), met: done.met },
    completed,
    events: [
      pending(TicketEvents.responded, {
        ...base(ticket, ctx.actor),
        dueAt: done.dueAt.toISOString(),
        met: done.met,
        respondedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/**
 * R4: a solution plan — what, who, by when. The first plan of a round meets (or misses) the plan due time
 * and, when nobody has answered yet, is the first response too. When the ticket's policy sets no
 * resolution time (001's table), the plan's "by when" becomes the resolution due time: the promise made
 * to the customer is what the SLA then tracks. A later plan may move it, unless it has already passed.
 */
export function plan(
  ticket: Draft,
  ctx: ChangeContext,
  input: { what: string; ownerId?: string; dueBy: string },
): Change {
  requireWorking(ticket, 'plan');
  const dueBy = new Date(input.dueBy);
  if (dueBy.getTime() <= ctx.now.getTime()) {
    throw new DomainError('VALIDATION_FAILED', 'a plan is due in the future', [
      { field: 'dueBy', message: 'must be later than now' },
    ]);
  }
  const first = ticket.plannedAt === null;
  const completed = complete(ticket, ['firstResponse', 'plan'], ctx.now);
  const ownerId = input.ownerId ?? ctx.actor;
  ticket.planWhat = input.what;
  ticket.planOwner = ownerId;
  ticket.planDueBy = dueBy;
  ticket.planUpdatedAt = ctx.now;
  const resolutionFromPlan =
    !ctx.rules.targets.resolution && (ticket.dueResolution === null || ticket.dueResolution > ctx.now);
  if (resolutionFromPlan) ticket.dueResolution = dueBy;
  startWork(ticket);
  const met = metOf(completed, 'plan');
  return {
    action: first ? 'planned' : 'replanned',
    data: {
      what: input.what,
      ownerId,
      dueBy: dueBy.toISOString(),
      ...(met === undefined ? {} : { met }),
      ...(resolutionFromPlan ? { resolutionDue: dueBy.toISOString() } : {}),
    },
    completed,
    events: [
      pending(TicketEvents.planned, {
        ...base(ticket, ctx.actor),
        ownerId,
        dueBy: dueBy.toISOString(),
        ...(met === undefined ? {} : { met }),
        plannedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** R5: the customer was updated; the next update is due one interval (the policy's clock) from now. */
export function progress(ticket: Draft, ctx: ChangeContext, input: { note: string }): Change {
  requireWorking(ticket, 'record progress on');
  const completed = complete(ticket, ['firstResponse', 'progress'], ctx.now);
  const met = metOf(completed, 'progress') ?? true;
  ticket.progressSeq += 1;
  ticket.nextProgressDue = metricDue(ctx.rules.targets.progressEvery, ctx.now, ctx.rules.calendar);
  ticket.lastProgressAt = ctx.now;
  startWork(ticket);
  return {
    action: 'progressed',
    data: { note: input.note, met, nextDue: ticket.nextProgressDue.toISOString() },
    completed,
    events: [
      pending(TicketEvents.progressed, {
        ...base(ticket, ctx.actor),
        met,
        nextDue: ticket.nextProgressDue.toISOString(),
        progressedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/**
 * R6: resolved. Every open metric is completed now (a resolution answers the customer, gives the plan and
 * the last update). The customer is asked to confirm through a single-use link; without an answer the R9
 * rule settles the ticket after `autoAfterWorkingDays` working days.
 */
export function resolve(ticket: Draft, ctx: ChangeContext, input: { summary: string }): Change {
  requireWorking(ticket, 'resolve');
  const pausedMs = endPause(ticket, ctx);
  const hadResolutionDue = openMetrics(ticket).some((m) => m.metric === 'resolution');
  const completed = complete(ticket, ['firstResponse', 'plan', 'progress', 'resolution'], ctx.now);
  ticket.resolvedAt = ctx.now;
  ticket.resolutionSummary = input.summary;
  ticket.status = 'resolved';
  const { autoAfterWorkingDays } = ctx.rules.lifecycle.confirmation;
  ticket.autoCloseAt = workingDaysAfter(ctx.rules.lifecycleCalendar, ctx.now, autoAfterWorkingDays).closesAt;
  ticket.confirmNonce = ctx.newNonce();
  const met = hadResolutionDue ? metOf(completed, 'resolution') : undefined;
  return {
    action: 'resolved',
    data: {
      summary: input.summary,
      ...(met === undefined ? {} : { met }),
      autoCloseAt: ticket.autoCloseAt.toISOString(),
      ...(pausedMs ? { pausedMs } : {}),
    },
    completed,
    events: [
      pending(
        TicketEvents.resolved,
        {
          ...base(ticket, ctx.actor),
          ...(met === undefined ? {} : { met }),
          autoCloseAt: ticket.autoCloseAt.toISOString(),
          resolvedAt: ctx.now.toISOString(),
        },
        // R6: the confirmation request; republished under this id when it never reached the stream.
        resolutionEventId(ticket.id, ctx.now),
      ),
    ],
  };
}

/** R6: the customer confirmed the resolution (through the link, to an agent, or by the R9 rule). */
export function confirm(
  ticket: Draft,
  ctx: ChangeContext,
  via: ConfirmationChannel,
  input: { note?: string },
): Change {
  requireStatus(ticket, 'confirm', 'resolved');
  ticket.status = 'confirmed';
  ticket.confirmedAt = ctx.now;
  ticket.confirmNonce = null;
  ticket.autoCloseAt = null;
  return {
    action: 'confirmed',
    data: { via, ...(input.note ? { note: input.note } : {}) },
    completed: [],
    events: [
      pending(TicketEvents.confirmed, {
        ...base(ticket, ctx.actor),
        type: ticket.type,
        category: ticket.category,
        level: ticket.level,
        department: ticket.department,
        assigneeId: ticket.assignee,
        via,
        confirmedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/**
 * R6: the customer objected: the ticket reopens with its SLA. The first response stays answered; a new
 * plan, progress and resolution are owed, each due one target (the ticket's own policy targets) from the
 * objection, as if the objection were a new contact about the same problem.
 */
export function object(
  ticket: Draft,
  ctx: ChangeContext,
  via: Exclude<ConfirmationChannel, 'auto'>,
  input: { reason?: string },
): Change {
  requireStatus(ticket, 'object to', 'resolved');
  const { targets, calendar } = ctx.rules;
  ticket.round += 1;
  ticket.status = 'reopened';
  ticket.plannedAt = null;
  ticket.resolvedAt = null;
  ticket.autoCloseAt = null;
  ticket.confirmNonce = null;
  ticket.duePlan = metricDue(targets.plan, ctx.now, calendar);
  ticket.progressSeq += 1;
  ticket.nextProgressDue = metricDue(targets.progressEvery, ctx.now, calendar);
  ticket.dueResolution = targets.resolution ? metricDue(targets.resolution, ctx.now, calendar) : null;
  const due = dueOf(ticket);
  return {
    action: 'objected',
    data: { via, round: ticket.round, due, ...(input.reason ? { reason: input.reason } : {}) },
    completed: [],
    events: [
      pending(TicketEvents.objected, {
        ...base(ticket, ctx.actor),
        via,
        round: ticket.round,
        due,
        objectedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** R9: closed without confirmation, with a stated reason. Breaches already recorded stay missed. */
export function close(
  ticket: Draft,
  ctx: ChangeContext,
  input: { reasonCode: CloseReason; reason: string },
  automatic = false,
): Change {
  if (!WORKING_STATUSES.has(ticket.status) && ticket.status !== 'resolved') {
    refuse(ticket, 'close', 'it is already settled');
  }
  const pausedMs = endPause(ticket, ctx);
  ticket.status = 'closed';
  ticket.closedAt = ctx.now;
  ticket.closeReasonCode = input.reasonCode;
  ticket.closeReason = input.reason;
  ticket.confirmNonce = null;
  ticket.autoCloseAt = null;
  return {
    action: automatic ? 'auto-closed' : 'closed',
    data: { reasonCode: input.reasonCode, reason: input.reason, ...(pausedMs ? { pausedMs } : {}) },
    completed: [],
    events: [
      pending(TicketEvents.closed, {
        ...base(ticket, ctx.actor),
        reasonCode: input.reasonCode,
        automatic,
        closedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** 归档: a confirmed or closed ticket is filed. */
export function archive(ticket: Draft, ctx: ChangeContext, input: { note?: string } = {}): Change {
  requireStatus(ticket, 'archive', 'confirmed', 'closed');
  ticket.status = 'archived';
  ticket.archivedAt = ctx.now;
  return {
    action: 'archived',
    data: input.note ? { note: input.note } : {},
    completed: [],
    events: [
      pending(TicketEvents.archived, { ...base(ticket, ctx.actor), archivedAt: ctx.now.toISOString() }),
    ],
  };
}

/** The ticket waits on the customer: every clock not yet due stops. */
export function pause(ticket: Draft, ctx: ChangeContext, input: { reason: string }): Change {
  requireWorking(ticket, 'pause');
  if (ticket.pausedAt) refuse(ticket, 'pause', 'it already waits on the customer');
  ticket.pausedAt = ctx.now;
  return {
    action: 'paused',
    data: { reason: input.reason },
    completed: [],
    events: [pending(TicketEvents.paused, { ...base(ticket, ctx.actor), pausedAt: ctx.now.toISOString() })],
  };
}

/** The customer answered: the clocks run again and the stopped due times move by the pause. */
export function resume(ticket: Draft, ctx: ChangeContext, input: { note?: string }): Change {
  requireWorking(ticket, 'resume');
  if (!ticket.pausedAt) refuse(ticket, 'resume', 'it is not waiting on the customer');
  const pausedMs = endPause(ticket, ctx);
  const due = dueOf(ticket);
  return {
    action: 'resumed',
    data: { pausedMs, due, ...(input.note ? { note: input.note } : {}) },
    completed: [],
    events: [
      pending(TicketEvents.resumed, {
        ...base(ticket, ctx.actor),
        pausedMs,
        due,
        resumedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** R8: the money at stake; `undefined` keeps an amount, `null` clears it. */
export function setAmounts(
  ticket: Draft,
  ctx: ChangeContext,
  input: { claimedFen?: number | null; compensationFen?: number | null },
): Change {
  if (ticket.status === 'archived') refuse(ticket, 'change amounts of', 'it is archived');
  if (input.claimedFen === undefined && input.compensationFen === undefined) {
    throw new DomainError('VALIDATION_FAILED', 'give claimedFen, compensationFen or both', [
      { field: 'claimedFen', message: 'give claimedFen, compensationFen or both' },
    ]);
  }
  if (input.claimedFen !== undefined) ticket.claimedFen = input.claimedFen;
  if (input.compensationFen !== undefined) ticket.compensationFen = input.compensationFen;
  const amounts = { claimedFen: ticket.claimedFen, compensationFen: ticket.compensationFen };
  return {
    action: 'amounts-changed',
    data: amounts,
    completed: [],
    events: [
      pending(TicketEvents.amountsChanged, {
        ...base(ticket, ctx.actor),
        ...amounts,
        changedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** A pause of the current round that has ended (from the history's `resumed` entries). */
export interface EndedPause {
  from: Date;
  to: Date;
}

/** What a reclassification needs besides the ticket: R1's policies and the round's past. */
export interface ReclassifyContext {
  sla: SlaSettings;
  calendars: CalendarLookup;
  /** When the current round began: receipt, or the last objection (R6). */
  roundStartedAt: Date;
  /** Ended pauses since the round began, oldest first. */
  pauses: readonly EndedPause[];
}

/**
 * I4: an agent corrects intake's classification. A new level or type chooses the SLA policy again (R1, on
 * the facts the ticket was opened with: channel and segment) and becomes the ticket's promise (R2): every
 * metric still open is due as if the ticket had been classified so from the start: the first response
 * counted from receipt, the plan and resolution from the round's start (receipt, or the last objection),
 * the next progress update from the last one, and each moved again by the round's ended pauses on its own
 * clock (a running pause moves them when it ends, as always). Met and missed metrics stay as recorded. A
 * new category alone keeps the promise; where it sends the ticket is dispatch's business (R3, after this).
 */
export function reclassify(
  ticket: Draft,
  ctx: ChangeContext,
  input: { type?: FeedbackType; category?: string; level?: Level; reason: string },
  policy: ReclassifyContext,
): Change {
  requireWorking(ticket, 'reclassify');
  const previous = { type: ticket.type, category: ticket.category, level: ticket.level };
  const next = {
    type: input.type ?? ticket.type,
    category: input.category ?? ticket.category,
    level: input.level ?? ticket.level,
  };
  if (next.type === previous.type && next.category === previous.category && next.level === previous.level) {
    throw new DomainError('VALIDATION_FAILED', 'nothing to change: the ticket is already classified so', [
      { field: 'type', message: 'give a type, category or level different from the ticket’s' },
    ]);
  }
  Object.assign(ticket, next);
  const repromised = next.type !== previous.type || next.level !== previous.level;
  if (repromised) Object.assign(ticket, repromise(ticket, policy));
  const due = dueOf(ticket);
  return {
    action: 'reclassified',
    data: {
      previous,
      ...next,
      reason: input.reason,
      ...(repromised ? { slaPolicy: ticket.slaPolicy, due } : {}),
    },
    completed: [],
    events: [
      pending(TicketEvents.reclassified, {
        ...base(ticket, ctx.actor),
        ...next,
        previous,
        due,
        reclassifiedAt: ctx.now.toISOString(),
      }),
    ],
  };
}

/** R1, R2 for a reclassified ticket: its new policy, promise and open due times (see `reclassify`). */
function repromise(
  ticket: Draft,
  policy: ReclassifyContext,
): Pick<Draft, 'slaPolicy' | 'slaCalendar' | 'slaTargets'> & DueColumns {
  const facts = { level: ticket.level, type: ticket.type, channel: ticket.channel, segment: ticket.segment };
  const at = (from: Date) => dueTimes(policy.sla, policy.calendars, facts, from);
  const fromReceipt = at(ticket.receivedAt);
  const fromRound = ticket.round === 0 ? fromReceipt : at(policy.roundStartedAt);
  const calendar = policy.calendars(fromReceipt.calendar)!;
  const targets = fromReceipt.targets;
  const progressFrom =
    ticket.lastProgressAt && ticket.lastProgressAt > policy.roundStartedAt ? ticket.lastProgressAt : null;
  let due: DueColumns = {
    dueFirstResponse: ticket.respondedAt ? ticket.dueFirstResponse : fromReceipt.firstResponse,
    duePlan: ticket.plannedAt ? ticket.duePlan : fromRound.plan,
    // R4: without a resolution target, the plan's "by when" stays the promise (null before a plan).
    dueResolution: ticket.resolvedAt
      ? ticket.dueResolution
      : (fromRound.resolution ?? (ticket.plannedAt ? ticket.planDueBy : null)),
    nextProgressDue: progressFrom
      ? metricDue(targets.progressEvery, progressFrom, calendar)
      : fromRound.nextProgress,
  };
  const clocks = clocksOf(targets);
  for (const pause of policy.pauses) {
    const moved = dueAfterPause({ ...ticket, ...due, pausedAt: pause.from }, pause.to, clocks, calendar);
    // A progress update after this pause counted its next one afresh.
    if (progressFrom && pause.from < progressFrom) moved.nextProgressDue = due.nextProgressDue;
    due = moved;
  }
  return { slaPolicy: fromReceipt.policy, slaCalendar: fromReceipt.calendar, slaTargets: targets, ...due };
}
