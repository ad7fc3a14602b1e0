import { Type } from 'class-transformer';
import { Matches, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { TICKET_NO_PATTERN, type FeedbackType, type Level, type TicketStatus } from '../domain';
import { defineRpc } from './rpc';

export class GetTicketRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(TICKET_NO_PATTERN, { message: 'ticketNo must be YYYYMMDD followed by at least 4 digits' })
  ticketNo!: string;
}

export interface TicketHistoryEntryView {
  at: string;
  action: string;
  actor: string | null;
  data: Record<string, unknown>;
}

/** The public shape of a ticket (architecture: API sketch). */
export interface TicketView {
  ticketNo: string;
  status: TicketStatus;
  level: Level;
  type: FeedbackType;
  category: string;
  department: string | null;
  assignee: string | null;
  customerId: string | null;
  slaPolicy: string;
  /** R2: every due time; `resolution` and `progress` are absent on tickets opened before the SLA engine. */
  due: { firstResponse: string; plan: string; resolution?: string; progress?: string };
  /** R2, R7: against the earliest due time still open, at the moment of the answer. */
  slaState: SlaState;
  receivedAt: string;
  createdAt: string;
  history: TicketHistoryEntryView[];
}

export const SLA_STATES = ['on_track', 'due_soon', 'breached'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export const RoutingRpc = {
  getTicket: defineRpc<GetTicketRequest, TicketView>('routing', 'ticket.get', GetTicketRequest),
} as const;
