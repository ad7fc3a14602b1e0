import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { CATEGORY_PATTERN } from '../domain';
import {
  IMPROVEMENT_STATUSES,
  PRIORITY_BANDS,
  type ImprovementStatus,
  type PriorityBand,
} from '../events/improvement.events';
import { PageQuery } from './customer.dto';
import { NOTE_MAX } from './ticket.dto';

/** GET /api/v1/improvement-cases: highest priority first. */
export class ListImprovementCasesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: IMPROVEMENT_STATUSES })
  @IsOptional()
  @IsIn(IMPROVEMENT_STATUSES)
  status?: ImprovementStatus;

  @ApiPropertyOptional({ example: 'product.defect' })
  @IsOptional()
  @Matches(CATEGORY_PATTERN)
  category?: string;

  @ApiPropertyOptional({ enum: PRIORITY_BANDS })
  @IsOptional()
  @IsIn(PRIORITY_BANDS)
  priorityBand?: PriorityBand;
}

/** PATCH /api/v1/improvement-cases/{id} (If-Match): the fields given change, the others stay. */
export class UpdateImprovementCaseDto {
  @ApiPropertyOptional({ enum: IMPROVEMENT_STATUSES })
  @IsOptional()
  @IsIn(IMPROVEMENT_STATUSES)
  status?: ImprovementStatus;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, description: 'who leads the improvement' })
  @IsOptional()
  @IsUUID()
  ownerId?: string | null;

  @ApiPropertyOptional({ maxLength: NOTE_MAX, nullable: true, description: 'what will be done (整改措施)' })
  @IsOptional()
  @IsString()
  @Length(1, NOTE_MAX)
  plan?: string | null;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'by when' })
  @IsOptional()
  @IsISO8601({ strict: true })
  dueBy?: string | null;

  @ApiPropertyOptional({ maxLength: NOTE_MAX, description: 'a remark for the case history' })
  @IsOptional()
  @IsString()
  @MaxLength(NOTE_MAX)
  note?: string;
}
