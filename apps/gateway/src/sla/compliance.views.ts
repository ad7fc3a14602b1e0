import { ApiProperty } from '@nestjs/swagger';
import { LEVELS } from '@closeloop/contracts';

class MetricFiguresDoc {
  @ApiProperty() due!: number;
  @ApiProperty() met!: number;
}

class MetricsDoc {
  @ApiProperty({ type: MetricFiguresDoc }) firstResponse!: MetricFiguresDoc;
  @ApiProperty({ type: MetricFiguresDoc }) plan!: MetricFiguresDoc;
  @ApiProperty({ type: MetricFiguresDoc }) progress!: MetricFiguresDoc;
  @ApiProperty({ type: MetricFiguresDoc }) resolution!: MetricFiguresDoc;
}

class ComplianceFiguresDoc {
  @ApiProperty({ description: 'due times that fell in the week' }) due!: number;
  @ApiProperty({ description: 'of them, met in time' }) met!: number;
  @ApiProperty({ nullable: true, example: 86.7 }) ratePercent!: number | null;
  @ApiProperty({ description: 'below the compliance threshold (settings)' }) flagged!: boolean;
  @ApiProperty({ type: MetricsDoc }) metrics!: MetricsDoc;
}

class LevelFiguresDoc extends ComplianceFiguresDoc {
  @ApiProperty({ enum: LEVELS }) level!: string;
}

class CategoryFiguresDoc extends ComplianceFiguresDoc {
  @ApiProperty({ example: 'product.defect' }) category!: string;
}

/** OpenAPI description of ComplianceView. */
export class ComplianceViewDoc {
  @ApiProperty({ example: '2026-W49' }) week!: string;
  @ApiProperty({ format: 'date-time', description: 'Monday 00:00 in the business time zone' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone!: string;
  @ApiProperty({ example: 80 }) thresholdPercent!: number;
  @ApiProperty({ type: [String], nullable: true, description: 'departments counted; null: all' })
  departments!: string[] | null;
  @ApiProperty({ type: ComplianceFiguresDoc }) total!: ComplianceFiguresDoc;
  @ApiProperty({ type: [LevelFiguresDoc] }) byLevel!: LevelFiguresDoc[];
  @ApiProperty({ type: [CategoryFiguresDoc] }) byCategory!: CategoryFiguresDoc[];
}
