import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

/** R9: what happens to a resolved ticket whose customer never answers. */
export const AUTO_OUTCOMES = ['close', 'confirm'] as const;
export type AutoOutcome = (typeof AUTO_OUTCOMES)[number];

export class ConfirmationSettings {
  /** Working days (in `calendar`) after the resolution before the automatic outcome. */
  @IsInt()
  @Min(1)
  @Max(60)
  autoAfterWorkingDays!: number;

  /** `close` with reason `no_customer_response`, or `confirm` (no survey is asked of a silent customer). */
  @IsIn(AUTO_OUTCOMES)
  outcome!: AutoOutcome;
}

/** The `lifecycle` settings document (R6, R9): confirmation by the customer, archiving. */
export class LifecycleSettings {
  @ValidateNested()
  @Type(() => ConfirmationSettings)
  confirmation!: ConfirmationSettings;

  /** Confirmed and closed tickets are archived this many days later (记录-处理-反馈-归档). */
  @IsInt()
  @Min(1)
  @Max(3650)
  archiveAfterDays!: number;

  /** Calendar (settings `calendar`) that counts the working days above. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  calendar!: string;
}
