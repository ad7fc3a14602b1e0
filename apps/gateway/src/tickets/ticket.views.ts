import { ApiProperty } from '@nestjs/swagger';
import {
  CLOSE_REASONS,
  FEEDBACK_TYPES,
  LEVELS,
  SLA_METRICS,
  SLA_STATES,
  TICKET_STATUSES,
} from '@closeloop/contracts';

class TicketDueDoc {
  @ApiProperty({ format: 'date-time' }) firstResponse!: string;
  @ApiProperty({ format: 'date-time', description: 'R4 solution plan' }) plan!: string;
  @ApiProperty({
    format: 'date-time',
    required: false,
    description: "absent when the policy sets none and no plan has said by when (the plan's dueBy is used)",
  })
  resolution?: string;
  @ApiProperty({ format: 'date-time', required: false, description: 'R5 next progress update' })
  progress?: string;
}

class TicketHistoryDoc {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'opened' }) action!: string;
  @ApiProperty({ nullable: true, format: 'uuid' }) actor!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

class TicketPlanDoc {
  @ApiProperty() what!: string;
  @ApiProperty({ nullable: true, format: 'uuid' }) ownerId!: string | null;
  @ApiProperty({ format: 'date-time' }) dueBy!: string;
  @ApiProperty({ format: 'date-time', description: 'when this plan was recorded' }) at!: string;
}

class CloseReasonDoc {
  @ApiProperty({ enum: CLOSE_REASONS }) code!: string;
  @ApiProperty() text!: string;
}

class AmountsDoc {
  @ApiProperty({ nullable: true, type: 'integer', description: 'fen' }) claimedFen!: number | null;
  @ApiProperty({ nullable: true, type: 'integer', description: 'fen' }) compensationFen!: number | null;
}

class SlaOutcomeDoc {
  @ApiProperty({ enum: SLA_METRICS }) metric!: string;
  @ApiProperty({ description: '0 first response; round for plan/resolution; update number for progress' })
  seq!: number;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty() met!: boolean;
}

/** OpenAPI description of TicketSummaryView (the contract type lives in libs/contracts). */
export class TicketSummaryDoc {
  @ApiProperty({ example: '202405120001' }) ticketNo!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: string;
  @ApiProperty({ enum: LEVELS }) level!: string;
  @ApiProperty({ enum: FEEDBACK_TYPES }) type!: string;
  @ApiProperty() category!: string;
  @ApiProperty({ nullable: true }) department!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) assignee!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid' }) customerId!: string | null;
  @ApiProperty() slaPolicy!: string;
  @ApiProperty({ type: TicketDueDoc }) due!: TicketDueDoc;
  @ApiProperty({ enum: SLA_STATES, description: 'against the earliest open due time, now' })
  slaState!: string;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'earliest open due time' })
  nextDue!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'waiting on the customer since' })
  pausedSince!: string | null;
  @ApiProperty({ description: 'R7 highest escalation level reached' }) escalationLevel!: number;
  @ApiProperty({ description: 'times reopened after an objection' }) round!: number;
  @ApiProperty({ type: TicketPlanDoc, nullable: true }) plan!: TicketPlanDoc | null;
  @ApiProperty({ format: 'date-time', nullable: true }) respondedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, description: 'R9 automatic outcome' })
  autoCloseAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) confirmedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true }) closedAt!: string | null;
  @ApiProperty({ type: CloseReasonDoc, nullable: true }) closeReason!: CloseReasonDoc | null;
  @ApiProperty({ format: 'date-time', nullable: true }) archivedAt!: string | null;
  @ApiProperty({ type: AmountsDoc }) amounts!: AmountsDoc;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'the ETag is "v<version>"' }) version!: number;
}

/** OpenAPI description of TicketView. */
export class TicketViewDoc extends TicketSummaryDoc {
  @ApiProperty({ type: [SlaOutcomeDoc] }) outcomes!: SlaOutcomeDoc[];
  @ApiProperty({ type: [TicketHistoryDoc] }) history!: TicketHistoryDoc[];
}

export class TicketPageDoc {
  @ApiProperty({ type: [TicketSummaryDoc] }) items!: TicketSummaryDoc[];
  @ApiProperty({ nullable: true, description: 'pass as cursor for the next page' })
  nextCursor!: string | null;
}

export class ConfirmationLinkDoc {
  @ApiProperty({ example: 'http://127.0.0.1:3000/c/eyJ0Ijoi…' }) url!: string;
  @ApiProperty({ example: '/c/eyJ0Ijoi…' }) path!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}
