import { Type } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { TICKET_NO_PATTERN, type TicketStatus } from '../domain';
import {
  CompleteCollaborationDto,
  ReassignTicketDto,
  RequestCollaborationDto,
  WorkloadQuery,
} from '../http/ticket-assignment.dto';
import type { Availability } from '../org';
import { IDEMPOTENCY_KEY_PATTERN } from './feedback.rpc';
import { defineRpc } from './rpc';

const TICKET_NO = { message: 'ticketNo must be YYYYMMDD followed by at least 4 digits' };

class OnTicket {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(TICKET_NO_PATTERN, TICKET_NO)
  ticketNo!: string;
}

export class ReassignTicketRequest extends OnTicket {
  /** The client's If-Match as sent (428 when absent, 412 when stale, as every ticket change). */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  ifMatch?: string;

  @ValidateNested()
  @Type(() => ReassignTicketDto)
  input!: ReassignTicketDto;
}

/** Where a ticket stands in dispatch after a move; `version` is its new ETag. */
export interface TicketAssignmentView {
  ticketNo: string;
  status: TicketStatus;
  department: string;
  assignee: string | null;
  version: number;
}

export class RequestCollaborationRequest extends OnTicket {
  /** A retried request with the same key answers the first collaboration instead of adding another. */
  @IsOptional()
  @Matches(IDEMPOTENCY_KEY_PATTERN)
  idempotencyKey?: string;

  @ValidateNested()
  @Type(() => RequestCollaborationDto)
  input!: RequestCollaborationDto;
}

export class CompleteCollaborationRequest extends OnTicket {
  @IsUUID()
  collaborationId!: string;

  @ValidateNested()
  @Type(() => CompleteCollaborationDto)
  input!: CompleteCollaborationDto;
}

export class ListCollaborationsRequest extends OnTicket {}

export const COLLABORATION_STATUSES = ['open', 'done'] as const;
export type CollaborationStatus = (typeof COLLABORATION_STATUSES)[number];

/** R3: a collaborating department's task on a ticket, with its owner and deadline. */
export interface CollaborationView {
  id: string;
  ticketNo: string;
  department: string;
  task: string;
  ownerId: string | null;
  dueAt: string;
  status: CollaborationStatus;
  requestedBy: string;
  requestedAt: string;
  completedBy: string | null;
  completedAt: string | null;
  outcome: string | null;
  /** Whether it was (or, while open, still can be) done by its deadline. */
  onTime: boolean;
}

export class WorkloadRequest extends WorkloadQuery {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;
}

/** An agent's share of a department's work now (R3, C9): what they hold against what they may hold. */
export interface AgentWorkloadView {
  userId: string;
  availability: Availability;
  capacity: number;
  /** Open tickets they hold, in any of their departments (capacity counts them all). */
  load: number;
  /** Of those, how many have a due time that has passed (R7). */
  breached: number;
}

/** A department's queue and agents now. */
export interface DepartmentWorkloadView {
  department: string;
  /** Open tickets waiting for an agent in its queue. */
  queued: number;
  /** Since when the longest-waiting ticket of the queue waits (null: empty queue). */
  oldestQueuedSince: string | null;
  /** The earliest first-response due time in the queue (it is served first). */
  mostUrgentDue: string | null;
  onShift: number;
  /** Tickets the on-shift agents could still take. */
  freeCapacity: number;
  agents: AgentWorkloadView[];
}

export interface WorkloadView {
  at: string;
  departments: DepartmentWorkloadView[];
}

export const RoutingAssignmentRpc = {
  workload: defineRpc<WorkloadRequest, WorkloadView>('routing', 'workload.get', WorkloadRequest),
  reassign: defineRpc<ReassignTicketRequest, TicketAssignmentView>(
    'routing',
    'ticket.reassign',
    ReassignTicketRequest,
  ),
  requestCollaboration: defineRpc<RequestCollaborationRequest, CollaborationView & { replayed: boolean }>(
    'routing',
    'ticket.collaboration.request',
    RequestCollaborationRequest,
  ),
  completeCollaboration: defineRpc<CompleteCollaborationRequest, CollaborationView>(
    'routing',
    'ticket.collaboration.complete',
    CompleteCollaborationRequest,
  ),
  listCollaborations: defineRpc<ListCollaborationsRequest, CollaborationView[]>(
    'routing',
    'ticket.collaboration.list',
    ListCollaborationsRequest,
  ),
} as const;
