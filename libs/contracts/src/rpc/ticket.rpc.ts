import type { ClassConstructor } from 'class-transformer';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Caller } from '../caller';
import {
  LEVELS,
  SLA_STATES,
  TICKET_NO_PATTERN,
  TICKET_STATUSES,
  type CloseReason,
  type FeedbackType,
  type Level,
  type SlaMetricName,
  type SlaState,
  type TicketStatus,
} from '../domain';
import {
  ArchiveTicketDto,
  CloseTicketDto,
  ConfirmTicketDto,
  NOTE_MAX,
  ObjectTicketDto,
  PauseTicketDto,
  PlanTicketDto,
  ProgressTicketDto,
  ReclassifyTicketDto,
  RespondTicketDto,
  ResolveTicketDto,
  ResumeTicketDto,
  TICKET_SORTS,
  TicketAmountsDto,
  type TicketSort,
} from '../http/ticket.dto';
import { PAGE_LIMIT, type Page } from './customer.rpc';
import { versionEtag } from '../http/etag';
import { defineRpc } from './rpc';

const TICKET_NO_MESSAGE = { message: 'ticketNo must be YYYYMMDD followed by at least 4 digits' };

export class GetTicketRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(TICKET_NO_PATTERN, TICKET_NO_MESSAGE)
  ticketNo!: string;
}

/** The strong ETag of a ticket version (`"v7"`, as every versioned record). Updates send it back in `If-Match`. */
export function ticketEtag(version: number): string {
  return versionEtag(version);
}

/** A change to one ticket by a staff user: who, which ticket, the version it was read at, and the input. */
export interface TicketCommand<T> {
  caller: Caller;
  ticketNo: string;
  /** The client's `If-Match` as sent; routing answers 428 when absent and 412 when stale. */
  ifMatch?: string;
  input: T;
}

/** The request class of a ticket command whose input is `input` (validated on both sides). */
function ticketCommand<T extends object>(input: ClassConstructor<T>): ClassConstructor<TicketCommand<T>> {
  class TicketCommandRequest implements TicketCommand<T> {
    @ValidateNested()
    @Type(() => Caller)
    caller!: Caller;

    @Matches(TICKET_NO_PATTERN, TICKET_NO_MESSAGE)
    ticketNo!: string;

    @IsOptional()
    @IsString()
    @MaxLength(512)
    ifMatch?: string;

    @ValidateNested()
    @Type(() => input)
    input!: T;
  }
  Object.defineProperty(TicketCommandRequest, 'name', { value: `${input.name.replace(/Dto$/, '')}Request` });
  return TicketCommandRequest;
}

/** A staff caller's request for one page of a list: `cursor` from the previous page, `limit` per page. */
export class StaffPageRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(PAGE_LIMIT.min)
  @Max(PAGE_LIMIT.max)
  limit?: number;
}

export class ListTicketsRequest extends StaffPageRequest {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TICKET_STATUSES.length)
  @IsIn(TICKET_STATUSES, { each: true })
  status?: TicketStatus[];

  @IsOptional()
  @IsIn(LEVELS)
  level?: Level;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  department?: string;

  @IsOptional()
  @IsUUID()
  assignee?: string;

  @IsOptional()
  @IsIn(SLA_STATES)
  slaState?: SlaState;

  @IsOptional()
  @IsISO8601({ strict: true })
  dueBefore?: string;

  @IsOptional()
  @IsUUID()
  customerId?: string;

  @IsOptional()
  @IsIn(TICKET_SORTS)
  sort?: TicketSort;
}

/** Asks for the data of a ticket's customer confirmation link (the gateway signs it; routing never sees the key). */
export class ConfirmationLinkRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @Matches(TICKET_NO_PATTERN, TICKET_NO_MESSAGE)
  ticketNo!: string;
}

/** What a confirmation link names: the ticket, the single-use nonce of its resolution, and its expiry. */
export interface ConfirmationLinkData {
  ticketNo: string;
  nonce: string;
  expiresAt: string;
}

/**
 * The customer's side of a confirmation link, sent by the gateway after it checked the token's signature
 * and expiry. There is no staff caller: the nonce (single use, random, in the signed token only) is the
 * authority, and routing checks it against the ticket's current resolution.
 */
export class CustomerLinkRequest {
  @Matches(TICKET_NO_PATTERN, TICKET_NO_MESSAGE)
  ticketNo!: string;

  @Matches(/^[A-Za-z0-9_-]{16,64}$/)
  nonce!: string;
}

export const CUSTOMER_ANSWERS = ['confirm', 'object'] as const;
export type CustomerAnswer = (typeof CUSTOMER_ANSWERS)[number];

export class CustomerAnswerRequest extends CustomerLinkRequest {
  @IsIn(CUSTOMER_ANSWERS)
  answer!: CustomerAnswer;

  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  comment?: string;
}

/** What the public confirmation page shows: no names, contacts or other customers' data. */
export interface CustomerLinkView {
  ticketNo: string;
  category: string;
  receivedAt: string;
  resolvedAt: string | null;
  summary: string | null;
  /** `open`: the customer can answer; otherwise why not. */
  state: 'open' | 'used' | 'expired';
  status: TicketStatus;
}

export interface TicketHistoryEntryView {
  at: string;
  action: string;
  actor: string | null;
  data: Record<string, unknown>;
}

/** One recorded SLA outcome: a due time and whether (and when) its metric was met. */
export interface SlaOutcomeView {
  metric: SlaMetricName;
  /** 0 for the first response; the round for plan and resolution; the update number for progress. */
  seq: number;
  dueAt: string;
  completedAt: string | null;
  met: boolean;
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
  /** The earliest due time still open (null when none is). */
  nextDue: string | null;
  /** Set while the ticket waits on the customer (clocks stopped). */
  pausedSince: string | null;
  /** Highest escalation level reached (R7); 0 = never escalated. */
  escalationLevel: number;
  /** Times the customer objected and the ticket reopened. */
  round: number;
  /** R4: the current solution plan. */
  plan: { what: string; ownerId: string | null; dueBy: string; at: string } | null;
  respondedAt: string | null;
  resolvedAt: string | null;
  /** When a resolved ticket the customer does not answer is settled automatically (R9). */
  autoCloseAt: string | null;
  confirmedAt: string | null;
  closedAt: string | null;
  closeReason: { code: CloseReason; text: string } | null;
  archivedAt: string | null;
  /** R8: money at stake in fen. */
  amounts: { claimedFen: number | null; compensationFen: number | null };
  /** R7: met and missed due times so far. */
  outcomes: SlaOutcomeView[];
  receivedAt: string;
  createdAt: string;
  /** The version `If-Match` must name (`ETag: "v<version>"`). */
  version: number;
  history: TicketHistoryEntryView[];
}

/** A ticket in a list: the view without history and outcomes. */
export type TicketSummaryView = Omit<TicketView, 'history' | 'outcomes'>;

export const RespondTicketRequest = ticketCommand(RespondTicketDto);
export const PlanTicketRequest = ticketCommand(PlanTicketDto);
export const ProgressTicketRequest = ticketCommand(ProgressTicketDto);
export const ResolveTicketRequest = ticketCommand(ResolveTicketDto);
export const ConfirmTicketRequest = ticketCommand(ConfirmTicketDto);
export const ObjectTicketRequest = ticketCommand(ObjectTicketDto);
export const CloseTicketRequest = ticketCommand(CloseTicketDto);
export const PauseTicketRequest = ticketCommand(PauseTicketDto);
export const ResumeTicketRequest = ticketCommand(ResumeTicketDto);
export const ArchiveTicketRequest = ticketCommand(ArchiveTicketDto);
export const TicketAmountsRequest = ticketCommand(TicketAmountsDto);
export const ReclassifyTicketRequest = ticketCommand(ReclassifyTicketDto);

const command = <T extends object>(name: string, request: ClassConstructor<TicketCommand<T>>) =>
  defineRpc<TicketCommand<T>, TicketView>('routing', `ticket.${name}`, request);

export const RoutingRpc = {
  getTicket: defineRpc<GetTicketRequest, TicketView>('routing', 'ticket.get', GetTicketRequest),
  listTickets: defineRpc<ListTicketsRequest, Page<TicketSummaryView>>(
    'routing',
    'ticket.list',
    ListTicketsRequest,
  ),
  respond: command('respond', RespondTicketRequest),
  plan: command('plan', PlanTicketRequest),
  progress: command('progress', ProgressTicketRequest),
  resolve: command('resolve', ResolveTicketRequest),
  confirm: command('confirm', ConfirmTicketRequest),
  object: command('object', ObjectTicketRequest),
  close: command('close', CloseTicketRequest),
  pause: command('pause', PauseTicketRequest),
  resume: command('resume', ResumeTicketRequest),
  archive: command('archive', ArchiveTicketRequest),
  amounts: command('amounts', TicketAmountsRequest),
  reclassify: command('reclassify', ReclassifyTicketRequest),
  confirmationLink: defineRpc<ConfirmationLinkRequest, ConfirmationLinkData>(
    'routing',
    'ticket.confirmation-link',
    ConfirmationLinkRequest,
  ),
  customerLink: defineRpc<CustomerLinkRequest, CustomerLinkView>(
    'routing',
    'ticket.customer-link.view',
    CustomerLinkRequest,
  ),
  customerAnswer: defineRpc<CustomerAnswerRequest, CustomerLinkView>(
    'routing',
    'ticket.customer-link.answer',
    CustomerAnswerRequest,
  ),
} as const;

/** The ticket commands by their path segment: `POST /tickets/{ticketNo}/{action}`. */
export const TICKET_ACTIONS = [
  'respond',
  'plan',
  'progress',
  'resolve',
  'confirm',
  'object',
  'close',
  'pause',
  'resume',
  'archive',
  'amounts',
  'reclassify',
] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];
