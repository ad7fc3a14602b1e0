import { ApiProperty } from '@nestjs/swagger';
import { IMPROVEMENT_STATUSES, PRIORITY_BANDS } from '@closeloop/contracts';

class WeekDoc {
  @ApiProperty({ example: '2026-W47' }) week!: string;
  @ApiProperty() tickets!: number;
}

class CaseHistoryDoc {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ nullable: true, format: 'uuid', description: 'null: the weekly run' }) actor!: string | null;
  @ApiProperty({ example: 'extended' }) action!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
}

/** OpenAPI description of ImprovementCaseSummary. */
export class ImprovementCaseSummaryDoc {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'product.defect' }) category!: string;
  @ApiProperty({ type: [String], example: ['complaint'] }) types!: string[];
  @ApiProperty({ enum: IMPROVEMENT_STATUSES }) status!: string;
  @ApiProperty({ example: '2026-W45' }) firstWeek!: string;
  @ApiProperty({ example: '2026-W47' }) lastWeek!: string;
  @ApiProperty() weeks!: number;
  @ApiProperty() ticketCount!: number;
  @ApiProperty() customersAffected!: number;
  @ApiProperty({ description: 'fen; per ticket the larger of claimed and compensation' })
  amountAtStakeFen!: number;
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty({ example: 309.8 }) priority!: number;
  @ApiProperty({ enum: PRIORITY_BANDS }) priorityBand!: string;
  @ApiProperty({ nullable: true, format: 'uuid' }) ownerId!: string | null;
  @ApiProperty({ nullable: true }) plan!: string | null;
  @ApiProperty({ nullable: true, format: 'date-time' }) dueBy!: string | null;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'the ETag is "v<version>"' }) version!: number;
}

export class ImprovementCaseViewDoc extends ImprovementCaseSummaryDoc {
  @ApiProperty({ type: [WeekDoc] }) weekly!: WeekDoc[];
  @ApiProperty({ type: [String], description: 'customer ids (details through /customers)' })
  customerIds!: string[];
  @ApiProperty({ type: [CaseHistoryDoc] }) history!: CaseHistoryDoc[];
}

export class ImprovementCasePageDoc {
  @ApiProperty({ type: [ImprovementCaseSummaryDoc] }) items!: ImprovementCaseSummaryDoc[];
  @ApiProperty({ nullable: true }) nextCursor!: string | null;
}
