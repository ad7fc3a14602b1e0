import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORY_PATTERN,
  CLOSE_REASONS,
  CONFIRMATION_CHANNELS,
  FEEDBACK_TYPES,
  LEVELS,
  SLA_METRICS,
  TICKET_NO_PATTERN,
  TICKET_STATUSES,
  type CloseReason,
  type ConfirmationChannel,
  type FeedbackType,
  type Level,
  type SlaMetricName,
  type TicketStatus,
} from '../domain';
import { ASSIGNMENT_MOVES, type AssignmentMove } from '../org';
import { defineEvent } from './event';

/** R2: the promised due times, as ISO instants. */
export class TicketDueV1 {
  @IsISO8601({ strict: true })
  firstResponse!: string;

  @IsISO8601({ strict: true })
  plan!: string;

  /** Resolution due (added within v1: optional, absent for tickets opened before the SLA engine). */
  @IsOptional()
  @IsISO8601({ strict: true })
  resolution?: string;

  /** R5: the next progress update to the customer is due (added within v1: optional). */
  @IsOptional()
  @IsISO8601({ strict: true })
  progress?: string;
}

/** ticket.opened.v1 — routing opened the ticket for a feedback, with its level and due times (R1, R2). */
export class TicketOpenedV1 {
  @IsUUID()
  ticketId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsUUID()
  feedbackId!: string;

  @IsOptional()
  @IsUUID()
  customerId!: string | null;

  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(LEVELS)
  level!: Level;

  @IsIn(TICKET_STATUSES)
  status!: TicketStatus;

  @IsString()
  @MaxLength(64)
  slaPolicy!: string;

  @ValidateNested()
  @Type(() => TicketDueV1)
  due!: TicketDueV1;

  @IsISO8601({ strict: true })
  openedAt!: string;
}

/** ticket.assigned.v1 — the ticket reached a department and, when known, an agent (R3, C9). */
export class TicketAssignedV1 {
  @IsUUID()
  ticketId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsString()
  @MaxLength(64)
  department!: string;

  @IsOptional()
  @IsUUID()
  assigneeId!: string | null;

  @IsISO8601({ strict: true })
  assignedAt!: string;

  /**
   * How it moved (added within v1, optional): `dispatch` (opened), `queue` (taken from the department's
   * queue), `reassign` (a supervisor), `requeue` (its agent left; it waits again).
   */
  @IsOptional()
  @IsIn(ASSIGNMENT_MOVES)
  by?: AssignmentMove;

  /** Where it was before (added within v1, optional; absent when it was just opened). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  previousDepartment?: string | null;

  @IsOptional()
  @IsUUID()
  previousAssigneeId?: string | null;

  /** The user who moved it (a supervisor's reassign); null or absent for routing itself. */
  @IsOptional()
  @IsUUID()
  actorId?: string | null;
}

/**
 * What every lifecycle event of a ticket carries: which ticket, whose, its status after the change and who
 * made the change (a user id; null for the customer through the confirmation link or for the system).
 * Ids only (X1): notes, plans, reasons and summaries stay in routing's ticket history.
 */
export class TicketChangeV1 {
  @IsUUID()
  ticketId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsOptional()
  @IsUUID()
  customerId!: string | null;

  @IsIn(TICKET_STATUSES)
  status!: TicketStatus;

  @IsOptional()
  @IsUUID()
  actorId!: string | null;
}

/** ticket.responded.v1 — the first response reached the customer (R1). */
export class TicketRespondedV1 extends TicketChangeV1 {
  @IsISO8601({ strict: true })
  dueAt!: string;

  /** Responded by the due time. */
  @IsBoolean()
  met!: boolean;

  @IsISO8601({ strict: true })
  respondedAt!: string;
}

/** ticket.planned.v1 — a solution plan was recorded: what (in the history), who, by when (R4). */
export class TicketPlannedV1 extends TicketChangeV1 {
  /** Who carries the plan out. */
  @IsOptional()
  @IsUUID()
  ownerId!: string | null;

  @IsISO8601({ strict: true })
  dueBy!: string;

  /** Whether this plan met the plan due time; absent for a revised plan (only the first one counts). */
  @IsOptional()
  @IsBoolean()
  met?: boolean;

  @IsISO8601({ strict: true })
  plannedAt!: string;
}

/** ticket.progressed.v1 — the customer was updated (R5); the next update is due at `nextDue`. */
export class TicketProgressedV1 extends TicketChangeV1 {
  @IsBoolean()
  met!: boolean;

  @IsISO8601({ strict: true })
  nextDue!: string;

  @IsISO8601({ strict: true })
  progressedAt!: string;
}

/** ticket.resolved.v1 — the ticket waits for the customer's confirmation (R6) until `autoCloseAt`. */
export class TicketResolvedV1 extends TicketChangeV1 {
  /** Resolved by the resolution due time; absent when the ticket has none. */
  @IsOptional()
  @IsBoolean()
  met?: boolean;

  /** Without an answer from the customer the ticket is confirmed or closed at this time (R9). */
  @IsISO8601({ strict: true })
  autoCloseAt!: string;

  @IsISO8601({ strict: true })
  resolvedAt!: string;
}

/**
 * ticket.confirmed.v1 — the customer confirmed the resolution (R6): 已解决-客户确认. Surveys start from it
 * (S1), so it carries what a survey needs to choose its template and its follow-up owner.
 */
export class TicketConfirmedV1 extends TicketChangeV1 {
  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(LEVELS)
  level!: Level;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  department!: string | null;

  @IsOptional()
  @IsUUID()
  assigneeId!: string | null;

  /** How the confirmation came: the customer's link, an agent recording it, or the R9 automatic rule. */
  @IsIn(CONFIRMATION_CHANNELS)
  via!: ConfirmationChannel;

  @IsISO8601({ strict: true })
  confirmedAt!: string;
}

/** ticket.objected.v1 — the customer objected to the resolution; the ticket is reopened with new due times. */
export class TicketObjectedV1 extends TicketChangeV1 {
  @IsIn(CONFIRMATION_CHANNELS.filter((channel) => channel !== 'auto'))
  via!: Exclude<ConfirmationChannel, 'auto'>;

  /** How many times the ticket has been reopened, this time included. */
  @IsInt()
  @Min(1)
  round!: number;

  @ValidateNested()
  @Type(() => TicketDueV1)
  due!: TicketDueV1;

  @IsISO8601({ strict: true })
  objectedAt!: string;
}

/** ticket.closed.v1 — closed without the customer's confirmation, with a stated reason (R9). */
export class TicketClosedV1 extends TicketChangeV1 {
  @IsIn(CLOSE_REASONS)
  reasonCode!: CloseReason;

  /** True when the R9 rule closed a resolved ticket the customer never answered. */
  @IsBoolean()
  automatic!: boolean;

  @IsISO8601({ strict: true })
  closedAt!: string;
}

/** ticket.archived.v1 — a confirmed or closed ticket was archived (记录-处理-反馈-归档). */
export class TicketArchivedV1 extends TicketChangeV1 {
  @IsISO8601({ strict: true })
  archivedAt!: string;
}

/** ticket.paused.v1 — the ticket waits on the customer: its SLA clocks stop. */
export class TicketPausedV1 extends TicketChangeV1 {
  @IsISO8601({ strict: true })
  pausedAt!: string;
}

/** ticket.resumed.v1 — the customer answered: the clocks run again, due times moved by the pause. */
export class TicketResumedV1 extends TicketChangeV1 {
  /** Elapsed time of the pause (the due times moved by it, each on its own clock). */
  @IsInt()
  @Min(0)
  pausedMs!: number;

  @ValidateNested()
  @Type(() => TicketDueV1)
  due!: TicketDueV1;

  @IsISO8601({ strict: true })
  resumedAt!: string;
}

/** ticket.amounts-changed.v1 — money at stake on the ticket, in fen (R8): claimed and compensation. */
export class TicketAmountsChangedV1 extends TicketChangeV1 {
  @IsOptional()
  @IsInt()
  @Min(0)
  claimedFen!: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  compensationFen!: number | null;

  @IsISO8601({ strict: true })
  changedAt!: string;
}

/** What intake's rules (or an agent, I4) said the feedback is. */
export class TicketClassificationV1 {
  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(LEVELS)
  level!: Level;
}

/**
 * ticket.reclassified.v1 — an agent corrected the classification (I4). The due times are the ticket's
 * open ones after the change (a new level or type may choose another SLA policy, R1); a new category may
 * also move the ticket (then a `ticket.assigned.v1` follows in the same transaction).
 */
export class TicketReclassifiedV1 extends TicketChangeV1 {
  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(LEVELS)
  level!: Level;

  @ValidateNested()
  @Type(() => TicketClassificationV1)
  previous!: TicketClassificationV1;

  @ValidateNested()
  @Type(() => TicketDueV1)
  due!: TicketDueV1;

  @IsISO8601({ strict: true })
  reclassifiedAt!: string;
}

/** What the SLA sweep's events share: the ticket, the metric and the due time concerned (R7). */
export class TicketSlaAlertV1 {
  @IsUUID()
  ticketId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsIn(LEVELS)
  level!: Level;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(SLA_METRICS)
  metric!: SlaMetricName;

  @IsISO8601({ strict: true })
  dueAt!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  department!: string | null;

  @IsOptional()
  @IsUUID()
  assigneeId!: string | null;
}

/** ticket.sla-warning.v1 — a due time is near (R7): the warning window of the settings. */
export class TicketSlaWarningV1 extends TicketSlaAlertV1 {
  @IsISO8601({ strict: true })
  warnedAt!: string;
}

/** ticket.sla-breached.v1 — a due time passed with its metric still open (R7); counted as missed. */
export class TicketSlaBreachedV1 extends TicketSlaAlertV1 {
  @IsISO8601({ strict: true })
  breachedAt!: string;
}

/**
 * ticket.escalated.v1 — a breach went to supervisors (R7): level 1 to the ticket's department's
 * supervisors, each further level to the department above while the metric stays open.
 */
export class TicketEscalatedV1 extends TicketSlaAlertV1 {
  @IsInt()
  @Min(1)
  @Max(20)
  escalationLevel!: number;

  /** The department whose supervisors receive it (null: no department known, the supervisors' desk). */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  toDepartment!: string | null;

  @IsArray()
  @ArrayMaxSize(200)
  @IsUUID('all', { each: true })
  supervisorIds!: string[];

  @IsISO8601({ strict: true })
  escalatedAt!: string;
}

export const TicketEvents = {
  opened: defineEvent(
    'ticket.opened.v1',
    TicketOpenedV1,
    'A ticket was opened with its level and due times.',
  ),
  assigned: defineEvent(
    'ticket.assigned.v1',
    TicketAssignedV1,
    'A ticket was dispatched to a department and possibly an agent.',
  ),
  responded: defineEvent(
    'ticket.responded.v1',
    TicketRespondedV1,
    'The first response reached the customer.',
  ),
  planned: defineEvent('ticket.planned.v1', TicketPlannedV1, 'A solution plan (what, who, by when) was set.'),
  progressed: defineEvent(
    'ticket.progressed.v1',
    TicketProgressedV1,
    'The customer was updated on progress.',
  ),
  resolved: defineEvent(
    'ticket.resolved.v1',
    TicketResolvedV1,
    "Resolved; waiting for the customer's answer.",
  ),
  confirmed: defineEvent('ticket.confirmed.v1', TicketConfirmedV1, 'The customer confirmed the resolution.'),
  objected: defineEvent(
    'ticket.objected.v1',
    TicketObjectedV1,
    'The customer objected; the ticket reopened.',
  ),
  closed: defineEvent('ticket.closed.v1', TicketClosedV1, 'Closed without confirmation, with a reason.'),
  archived: defineEvent('ticket.archived.v1', TicketArchivedV1, 'A finished ticket was archived.'),
  paused: defineEvent('ticket.paused.v1', TicketPausedV1, 'The ticket waits on the customer; clocks stop.'),
  resumed: defineEvent('ticket.resumed.v1', TicketResumedV1, 'The clocks run again; due times moved.'),
  amountsChanged: defineEvent(
    'ticket.amounts-changed.v1',
    TicketAmountsChangedV1,
    'The money at stake on a ticket (claimed, compensation) changed.',
  ),
  reclassified: defineEvent(
    'ticket.reclassified.v1',
    TicketReclassifiedV1,
    'An agent corrected the type, category or level (I4); due times and department may follow.',
  ),
  slaWarning: defineEvent('ticket.sla-warning.v1', TicketSlaWarningV1, 'A due time is near.'),
  slaBreached: defineEvent('ticket.sla-breached.v1', TicketSlaBreachedV1, 'A due time passed unmet.'),
  escalated: defineEvent('ticket.escalated.v1', TicketEscalatedV1, 'A breach was escalated to supervisors.'),
} as const;
