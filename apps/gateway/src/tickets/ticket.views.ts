import { ApiProperty } from '@nestjs/swagger';
import { FEEDBACK_TYPES, LEVELS, SLA_STATES, TICKET_STATUSES } from '@closeloop/contracts';

class TicketDueDoc {
  @ApiProperty({ format: 'date-time' }) firstResponse!: string;
  @ApiProperty({ format: 'date-time', description: 'R4 solution plan' }) plan!: string;
  @ApiProperty({ format: 'date-time', required: false, description: 'absent when the policy sets none' })
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

/** OpenAPI description of TicketView (the contract type lives in libs/contracts). */
export class TicketViewDoc {
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
  @ApiProperty({ enum: SLA_STATES }) slaState!: string;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: [TicketHistoryDoc] }) history!: TicketHistoryDoc[];
}
