import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { FEEDBACK_TYPES, type FeedbackType } from '@closeloop/contracts';

/** R8: how a case's priority weighs customers affected and money at stake. */
export class ImprovementPriority {
  /** Points per distinct customer affected. */
  @IsNumber({ maxDecimalPlaces: 4 })
  @Min(0)
  perCustomer!: number;

  /** Points per 1,000 yuan (100,000 fen) at stake. */
  @IsNumber({ maxDecimalPlaces: 4 })
  @Min(0)
  perThousandYuan!: number;

  /** A score at or above this is `high`. */
  @IsNumber()
  @Min(0)
  highAt!: number;

  /** A score at or above this (and below `highAt`) is `medium`; below, `low`. */
  @IsNumber()
  @Min(0)
  mediumAt!: number;
}

/**
 * The `improvement` settings document (R8): when tickets of these types in one category are more than
 * `weeklyThreshold` in each of `consecutiveWeeks` business weeks in a row, a cross-department improvement
 * case opens.
 */
export class ImprovementSettings {
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(FEEDBACK_TYPES, { each: true })
  types!: FeedbackType[];

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  weeklyThreshold!: number;

  @IsInt()
  @Min(1)
  @Max(52)
  consecutiveWeeks!: number;

  /** Calendar whose time zone draws the business week. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  calendar!: string;

  @ValidateNested()
  @Type(() => ImprovementPriority)
  priority!: ImprovementPriority;
}
