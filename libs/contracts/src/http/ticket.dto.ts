import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
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
} from 'class-validator';
import {
  CATEGORY_PATTERN,
  CLOSE_REASONS,
  FEEDBACK_TYPES,
  LEVELS,
  MAX_AMOUNT_FEN,
  SLA_STATES,
  TICKET_STATUSES,
  type CloseReason,
  type FeedbackType,
  type Level,
  type SlaState,
  type TicketStatus,
} from '../domain';
import { PageQuery } from './customer.dto';

/** Notes and plans are free text kept in routing's ticket history, never in events (X1). */
export const NOTE_MAX = 2000;
export const REASON_MIN = 5;

/** POST /tickets/{ticketNo}/respond: the first response reached the customer (R1). */
export class RespondTicketDto {
  @ApiPropertyOptional({ maxLength: NOTE_MAX, description: 'what was said, for the history' })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  note?: string;
}

/** POST /tickets/{ticketNo}/plan: R4 solution plan, what will be done, who does it, by when. */
export class PlanTicketDto {
  @ApiProperty({ minLength: 1, maxLength: NOTE_MAX, description: 'what will be done' })
  @IsString()
  @Length(1, NOTE_MAX)
  what!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'who does it (a user id); the caller when absent' })
  @IsOptional()
  @IsUUID()
  ownerId?: string;

  @ApiProperty({ format: 'date-time', description: 'by when' })
  @IsISO8601({ strict: true })
  dueBy!: string;
}

/** POST /tickets/{ticketNo}/progress: R5 the customer was updated. */
export class ProgressTicketDto {
  @ApiProperty({ minLength: 1, maxLength: NOTE_MAX })
  @IsString()
  @Length(1, NOTE_MAX)
  note!: string;
}

/** POST /tickets/{ticketNo}/resolve: what was done; the customer is asked to confirm (R6). */
export class ResolveTicketDto {
  @ApiProperty({
    minLength: 1,
    maxLength: NOTE_MAX,
    description: "what was done; shown to the customer on the confirmation page, so no other customer's data",
  })
  @IsString()
  @Length(1, NOTE_MAX)
  summary!: string;
}

/** POST /tickets/{ticketNo}/confirm: an agent records the customer's confirmation (R6). */
export class ConfirmTicketDto {
  @ApiPropertyOptional({ maxLength: NOTE_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  note?: string;
}

/** POST /tickets/{ticketNo}/object: an agent records the customer's objection; the ticket reopens (R6). */
export class ObjectTicketDto {
  @ApiPropertyOptional({ maxLength: NOTE_MAX, description: "the customer's words" })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  reason?: string;
}

/** POST /tickets/{ticketNo}/close: close without confirmation; a stated reason is required (R9). */
export class CloseTicketDto {
  @ApiProperty({ enum: CLOSE_REASONS })
  @IsIn(CLOSE_REASONS)
  reasonCode!: CloseReason;

  @ApiProperty({ minLength: REASON_MIN, maxLength: NOTE_MAX })
  @IsString()
  @Length(REASON_MIN, NOTE_MAX)
  reason!: string;
}

/** POST /tickets/{ticketNo}/pause: the ticket waits on the customer; its clocks stop. */
export class PauseTicketDto {
  @ApiProperty({ minLength: REASON_MIN, maxLength: NOTE_MAX, description: 'what we wait for' })
  @IsString()
  @Length(REASON_MIN, NOTE_MAX)
  reason!: string;
}

/** POST /tickets/{ticketNo}/resume: the customer answered; the clocks run again. */
export class ResumeTicketDto {
  @ApiPropertyOptional({ maxLength: NOTE_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  note?: string;
}

/** POST /tickets/{ticketNo}/archive: file a confirmed or closed ticket. */
export class ArchiveTicketDto {
  @ApiPropertyOptional({ maxLength: NOTE_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  note?: string;
}

/** POST /tickets/{ticketNo}/amounts: money at stake in fen (R8); null clears an amount. */
export class TicketAmountsDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    description: 'what the customer claims',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT_FEN)
  claimedFen?: number | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, description: 'what we pay or give' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_AMOUNT_FEN)
  compensationFen?: number | null;
}

/**
 * POST /tickets/{ticketNo}/reclassify: I4, an agent corrects intake's classification. A new level or type
 * may choose another SLA policy (R1) and moves the open due times; a new category may move the ticket to
 * another department (R3). Give at least one of type, category and level.
 */
export class ReclassifyTicketDto {
  @ApiPropertyOptional({ enum: FEEDBACK_TYPES })
  @IsOptional()
  @IsIn(FEEDBACK_TYPES)
  type?: FeedbackType;

  @ApiPropertyOptional({ example: 'product.defect', description: '`<group>.<name>` (I2)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(CATEGORY_PATTERN, { message: 'category must be <group>.<name> in lower case (I2)' })
  category?: string;

  @ApiPropertyOptional({ enum: LEVELS })
  @IsOptional()
  @IsIn(LEVELS)
  level?: Level;

  @ApiProperty({ minLength: REASON_MIN, maxLength: NOTE_MAX, description: 'why, for the history' })
  @IsString()
  @Length(REASON_MIN, NOTE_MAX)
  reason!: string;
}

export const TICKET_SORTS = ['received', 'due'] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

/** `a,b,c` in a query string as a list. */
const commaList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((item) => item.trim()) : value;

/** GET /api/v1/tickets: filters combine with AND; a list value matches any of its items. */
export class ListTicketsQuery extends PageQuery {
  @ApiPropertyOptional({ description: `comma separated: ${TICKET_STATUSES.join(', ')}` })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMaxSize(TICKET_STATUSES.length)
  @IsIn(TICKET_STATUSES, { each: true })
  status?: TicketStatus[];

  @ApiPropertyOptional({ enum: LEVELS })
  @IsOptional()
  @IsIn(LEVELS)
  level?: Level;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  department?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "the assignee's user id" })
  @IsOptional()
  @IsUUID()
  assignee?: string;

  @ApiPropertyOptional({ enum: SLA_STATES, description: 'against the earliest open due time, now' })
  @IsOptional()
  @IsIn(SLA_STATES)
  slaState?: SlaState;

  @ApiPropertyOptional({ format: 'date-time', description: 'the earliest open due time is before this' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBefore?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({
    enum: TICKET_SORTS,
    default: 'received',
    description: 'received: newest first; due: earliest open due time first (worklist)',
  })
  @IsOptional()
  @IsIn(TICKET_SORTS)
  sort?: TicketSort;
}

/** POST /c/{token}: the customer's answer on the public confirmation page (an HTML form). */
export class CustomerAnswerForm {
  @IsIn(['confirm', 'object'])
  answer!: 'confirm' | 'object';

  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  comment?: string;
}
