import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  CATEGORY_PATTERN,
  CHANNELS,
  EMOTIONS,
  FEEDBACK_TYPES,
  type Channel,
  type Emotion,
  type FeedbackType,
} from '../domain';

export class FeedbackCustomerDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({
    description: 'Any common format; mainland China is the default region (I5)',
    example: '138-0013-8000',
  })
  @IsOptional()
  @IsString()
  @Length(3, 32)
  phone?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'The id of this customer in a partner system', maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  externalId?: string;
}

/** POST /api/v1/feedback (architecture: API sketch; I1, I2). */
export class SubmitFeedbackDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: Channel;

  @ApiPropertyOptional({
    description: "The channel's own message id; the same one twice creates nothing new (I6)",
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  channelMessageId?: string;

  @ApiProperty({ type: FeedbackCustomerDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => FeedbackCustomerDto)
  customer!: FeedbackCustomerDto;

  @ApiProperty({ enum: FEEDBACK_TYPES })
  @IsIn(FEEDBACK_TYPES)
  type!: FeedbackType;

  @ApiPropertyOptional({
    description: 'group.name, e.g. product.defect; classified by rules when absent (I4)',
  })
  @IsOptional()
  @Matches(CATEGORY_PATTERN, { message: 'category must look like group.name, e.g. product.defect' })
  category?: string;

  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  description!: string;

  @ApiPropertyOptional({ description: 'What the customer asks for', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  request?: string;

  @ApiPropertyOptional({
    description:
      'When the customer actually contacted us (ISO 8601 with offset), for feedback recorded after the fact ' +
      '(a store comment book, a call logged after it ended). SLA due times count from it. Defaults to now; ' +
      "at most intake's `recording.maxBackdateHours` in the past, never in the future.",
    example: '2026-11-27T17:50:00+08:00',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  receivedAt?: string;

  @ApiPropertyOptional({ description: 'When the customer expects a resolution (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expectedBy?: string;

  @ApiPropertyOptional({ enum: EMOTIONS })
  @IsOptional()
  @IsIn(EMOTIONS)
  emotion?: Emotion;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  storeId?: string;
}
