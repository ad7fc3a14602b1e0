import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { ISO_WEEK } from '../rpc/compliance.rpc';

/** GET /api/v1/sla/compliance?week=2026-W49&department=after-sales */
export class ComplianceQuery {
  @ApiPropertyOptional({
    example: '2026-W49',
    description: 'ISO week in the business time zone; default: this week',
  })
  @IsOptional()
  @Matches(ISO_WEEK, { message: 'week must look like 2026-W49' })
  week?: string;

  @ApiPropertyOptional({ description: 'one department (supervisors: one of theirs; default all of theirs)' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  department?: string;
}
