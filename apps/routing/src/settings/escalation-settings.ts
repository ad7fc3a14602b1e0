import { IsInt, IsNumber, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

/**
 * The `escalation` settings document (R7). The warning comes `dueSoonMinutes` (the `sla` document) before
 * each due time; the breach at the due time escalates to the supervisors of the ticket's department (level
 * 1), then every `upAfterMinutes` to the department above while the metric stays open, up to `maxLevel`.
 */
export class EscalationSettings {
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  upAfterMinutes!: number;

  @IsInt()
  @Min(1)
  @Max(10)
  maxLevel!: number;
}

/** The `compliance` settings document (R7, K1): weekly met / due, flagged below the threshold. */
export class ComplianceSettings {
  /** A level or category whose share of met due times is below this (percent) is flagged. */
  @IsNumber({ maxDecimalPlaces: 2 })
  @Min(0)
  @Max(100)
  thresholdPercent!: number;

  /** Calendar whose time zone draws the business week (Monday 00:00 to Monday 00:00). */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  calendar!: string;
}
