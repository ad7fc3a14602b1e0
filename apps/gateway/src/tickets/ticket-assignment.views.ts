import { ApiProperty } from '@nestjs/swagger';
import { COLLABORATION_STATUSES, TICKET_STATUSES } from '@closeloop/contracts';

/** OpenAPI of TicketAssignmentView (the contract type lives in libs/contracts). */
export class TicketAssignmentViewDoc {
  @ApiProperty({ example: '202405120001' }) ticketNo!: string;
  @ApiProperty({ enum: TICKET_STATUSES }) status!: string;
  @ApiProperty({ example: 'finance' }) department!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'null: waiting in the queue' })
  assignee!: string | null;
  @ApiProperty({ description: 'the ticket version; the ETag header repeats it' }) version!: number;
}

/** OpenAPI of CollaborationView. */
export class CollaborationViewDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() ticketNo!: string;
  @ApiProperty({ example: 'finance' }) department!: string;
  @ApiProperty() task!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) ownerId!: string | null;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ enum: COLLABORATION_STATUSES }) status!: string;
  @ApiProperty({ format: 'uuid' }) requestedBy!: string;
  @ApiProperty({ format: 'date-time' }) requestedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) completedBy!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) outcome!: string | null;
  @ApiProperty({ description: 'done by the deadline (while open: the deadline has not passed)' })
  onTime!: boolean;
}
