import { ApiProperty } from '@nestjs/swagger';
import { FEEDBACK_TYPES, LEVELS, type FeedbackType, type Level } from '@closeloop/contracts';

export class FeedbackCreatedView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '202405120001' }) ticketNo!: string;
  @ApiProperty({ format: 'uuid', nullable: true }) customerId!: string | null;
  @ApiProperty({ enum: FEEDBACK_TYPES }) type!: FeedbackType;
  @ApiProperty({ example: 'product.defect' }) category!: string;
  @ApiProperty({ enum: LEVELS }) level!: Level;
}
