import { ApiProperty } from '@nestjs/swagger';
import { AVAILABILITIES, COLLABORATION_STATUSES, TICKET_STATUSES } from '@closeloop/contracts';

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

/** OpenAPI of AgentWorkloadView. */
export class AgentWorkloadDoc {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ enum: AVAILABILITIES }) availability!: string;
  @ApiProperty({ description: 'open tickets they may hold at once' }) capacity!: number;
  @ApiProperty({ description: 'open tickets they hold, in any department' }) load!: number;
  @ApiProperty({ description: 'of those, past a due time (R7)' }) breached!: number;
}

/** OpenAPI of DepartmentWorkloadView. */
export class DepartmentWorkloadDoc {
  @ApiProperty({ example: 'finance' }) department!: string;
  @ApiProperty({ description: 'open tickets waiting for an agent' }) queued!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) oldestQueuedSince!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'served first' })
  mostUrgentDue!: string | null;
  @ApiProperty() onShift!: number;
  @ApiProperty({ description: 'tickets the agents on shift could still take' }) freeCapacity!: number;
  @ApiProperty({ type: [AgentWorkloadDoc] }) agents!: AgentWorkloadDoc[];
}

/** OpenAPI of WorkloadView. */
export class WorkloadDoc {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: [DepartmentWorkloadDoc] }) departments!: DepartmentWorkloadDoc[];
}
