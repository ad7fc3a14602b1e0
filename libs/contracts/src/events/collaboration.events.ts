import { IsBoolean, IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import { TICKET_NO_PATTERN } from '../domain';
import { ORG_ID_PATTERN } from '../org';
import { defineEvent } from './event';

/** What both collaboration events carry. Ids only: the task and the outcome stay in routing (X1). */
abstract class CollaborationEvent {
  @IsUUID()
  ticketId!: string;

  @Matches(TICKET_NO_PATTERN)
  ticketNo!: string;

  @IsUUID()
  collaborationId!: string;

  @Matches(ORG_ID_PATTERN)
  department!: string;

  @IsISO8601({ strict: true })
  dueAt!: string;

  /** The user who acted. */
  @IsUUID()
  actorId!: string;
}

/** ticket.collaboration-requested.v1 — R3: a ticket pulled in a collaborating department with a task. */
export class TicketCollaborationRequestedV1 extends CollaborationEvent {
  @IsOptional()
  @IsUUID()
  ownerId!: string | null;

  @IsISO8601({ strict: true })
  requestedAt!: string;
}

/** ticket.collaboration-completed.v1 — the collaborating department finished its task. */
export class TicketCollaborationCompletedV1 extends CollaborationEvent {
  @IsISO8601({ strict: true })
  completedAt!: string;

  /** Done by its deadline. */
  @IsBoolean()
  onTime!: boolean;
}

export const TicketCollaborationEvents = {
  requested: defineEvent(
    'ticket.collaboration-requested.v1',
    TicketCollaborationRequestedV1,
    'A ticket pulled in a collaborating department with its own task, owner and deadline (R3).',
  ),
  completed: defineEvent(
    'ticket.collaboration-completed.v1',
    TicketCollaborationCompletedV1,
    'A collaborating department completed its task on a ticket (R3).',
  ),
} as const;
