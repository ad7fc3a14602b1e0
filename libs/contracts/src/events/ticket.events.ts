import { Type } from 'class-transformer';
import {
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORY_PATTERN,
  FEEDBACK_TYPES,
  LEVELS,
  TICKET_NO_PATTERN,
  TICKET_STATUSES,
  type FeedbackType,
  type Level,
  type TicketStatus,
} from '../domain';
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
} as const;
