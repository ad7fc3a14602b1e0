import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { CATEGORY_PATTERN } from '../domain';
import { ISO_WEEK } from '../rpc/compliance.rpc';
import { defineEvent } from './event';

/** R8: an improvement case's state. */
export const IMPROVEMENT_STATUSES = ['open', 'in_progress', 'resolved', 'dismissed'] as const;
export type ImprovementStatus = (typeof IMPROVEMENT_STATUSES)[number];

export const PRIORITY_BANDS = ['high', 'medium', 'low'] as const;
export type PriorityBand = (typeof PRIORITY_BANDS)[number];

/** What the case events share: the run of weeks and what is at stake (ids and figures only). */
export class ImprovementCaseV1 {
  @IsUUID()
  caseId!: string;

  @Matches(CATEGORY_PATTERN)
  category!: string;

  @IsIn(IMPROVEMENT_STATUSES)
  status!: ImprovementStatus;

  @Matches(ISO_WEEK)
  firstWeek!: string;

  @Matches(ISO_WEEK)
  lastWeek!: string;

  @IsInt()
  @Min(1)
  weeks!: number;

  @IsInt()
  @Min(0)
  ticketCount!: number;

  @IsInt()
  @Min(0)
  customersAffected!: number;

  /** Money at stake in fen: per ticket the larger of the claimed and the compensation amounts. */
  @IsInt()
  @Min(0)
  amountAtStakeFen!: number;

  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  departments!: string[];

  @IsNumber()
  @Min(0)
  priority!: number;

  @IsIn(PRIORITY_BANDS)
  priorityBand!: PriorityBand;
}

/** improvement-case.opened.v1 — a complaint category ran high for the configured weeks in a row (R8). */
export class ImprovementCaseOpenedV1 extends ImprovementCaseV1 {
  @IsISO8601({ strict: true })
  openedAt!: string;
}

/** improvement-case.updated.v1 — the run went on another week, or a supervisor changed the case. */
export class ImprovementCaseUpdatedV1 extends ImprovementCaseV1 {
  /** The owner of the case (a user id), when one is set. */
  @IsOptional()
  @IsUUID()
  ownerId!: string | null;

  /** The user who changed it; null when the weekly run extended it. */
  @IsOptional()
  @IsUUID()
  changedBy!: string | null;

  @IsISO8601({ strict: true })
  changedAt!: string;
}

export const ImprovementEvents = {
  opened: defineEvent(
    'improvement-case.opened.v1',
    ImprovementCaseOpenedV1,
    'A cross-department improvement case opened for a complaint category running high (R8).',
  ),
  updated: defineEvent(
    'improvement-case.updated.v1',
    ImprovementCaseUpdatedV1,
    'An improvement case was extended by another week or changed by a supervisor.',
  ),
} as const;
