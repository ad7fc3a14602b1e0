import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Caller } from '../caller';
import { CATEGORY_PATTERN } from '../domain';
import {
  IMPROVEMENT_STATUSES,
  PRIORITY_BANDS,
  type ImprovementStatus,
  type PriorityBand,
} from '../events/improvement.events';
import { UpdateImprovementCaseDto } from '../http/improvement.dto';
import type { Page } from './customer.rpc';
import { StaffPageRequest } from './ticket.rpc';
import { defineRpc } from './rpc';

export class ListImprovementCasesRequest extends StaffPageRequest {
  @IsOptional()
  @IsIn(IMPROVEMENT_STATUSES)
  status?: ImprovementStatus;

  @IsOptional()
  @Matches(CATEGORY_PATTERN)
  category?: string;

  @IsOptional()
  @IsIn(PRIORITY_BANDS)
  priorityBand?: PriorityBand;
}

export class GetImprovementCaseRequest {
  @ValidateNested()
  @Type(() => Caller)
  caller!: Caller;

  @IsUUID()
  id!: string;
}

export class UpdateImprovementCaseRequest extends GetImprovementCaseRequest {
  @IsOptional()
  @IsString()
  @MaxLength(512)
  ifMatch?: string;

  @ValidateNested()
  @Type(() => UpdateImprovementCaseDto)
  input!: UpdateImprovementCaseDto;
}

/** R8: a cross-department improvement case (跨部门专项整改). */
export interface ImprovementCaseView {
  id: string;
  category: string;
  /** The ticket types counted (settings `improvement.types`). */
  types: string[];
  status: ImprovementStatus;
  firstWeek: string;
  lastWeek: string;
  weeks: number;
  /** Tickets per week of the run. */
  weekly: { week: string; tickets: number }[];
  ticketCount: number;
  customersAffected: number;
  customerIds: string[];
  amountAtStakeFen: number;
  departments: string[];
  priority: number;
  priorityBand: PriorityBand;
  ownerId: string | null;
  plan: string | null;
  dueBy: string | null;
  openedAt: string;
  updatedAt: string;
  version: number;
  history: { at: string; actor: string | null; action: string; data: Record<string, unknown> }[];
}

export type ImprovementCaseSummary = Omit<ImprovementCaseView, 'history' | 'customerIds' | 'weekly'>;

export const ImprovementRpc = {
  list: defineRpc<ListImprovementCasesRequest, Page<ImprovementCaseSummary>>(
    'routing',
    'improvement-case.list',
    ListImprovementCasesRequest,
  ),
  get: defineRpc<GetImprovementCaseRequest, ImprovementCaseView>(
    'routing',
    'improvement-case.get',
    GetImprovementCaseRequest,
  ),
  update: defineRpc<UpdateImprovementCaseRequest, ImprovementCaseView>(
    'routing',
    'improvement-case.update',
    UpdateImprovementCaseRequest,
  ),
} as const;
