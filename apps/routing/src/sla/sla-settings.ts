import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Min,
  ValidateNested,
} from 'class-validator';
import { CHANNELS, FEEDBACK_TYPES, LEVELS } from '@closeloop/contracts';
import type { Channel, FeedbackType, Level } from '@closeloop/contracts';

export class SlaTargets {
  /** R1: first response within this many minutes. */
  @IsInt()
  @Min(1)
  firstResponseMinutes!: number;

  /** R1, R4: solution plan / first reply within this many minutes. */
  @IsInt()
  @Min(1)
  planMinutes!: number;
}

export class SlaLevelTargets {
  @ValidateNested()
  @Type(() => SlaTargets)
  L1!: SlaTargets;

  @ValidateNested()
  @Type(() => SlaTargets)
  L2!: SlaTargets;

  @ValidateNested()
  @Type(() => SlaTargets)
  L3!: SlaTargets;
}

export class SlaMatch {
  @IsOptional()
  @IsArray()
  @IsIn(LEVELS, { each: true })
  levels?: Level[];

  @IsOptional()
  @IsArray()
  @IsIn(FEEDBACK_TYPES, { each: true })
  types?: FeedbackType[];

  @IsOptional()
  @IsArray()
  @IsIn(CHANNELS, { each: true })
  channels?: Channel[];
}

export class SlaPolicy {
  @Matches(/^[a-z0-9][a-z0-9-]*$/)
  id!: string;

  @ValidateNested()
  @Type(() => SlaMatch)
  match!: SlaMatch;

  @ValidateNested()
  @Type(() => SlaLevelTargets)
  targets!: SlaLevelTargets;
}

/** R1: SLA policies as settings data; the first policy whose match holds applies. */
export class SlaSettings {
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => SlaPolicy)
  policies!: SlaPolicy[];
}

/**
 * Seeded default (rules.md R1, from 001): L1 10 min / 2 h, L2 30 min / 4 h, L3 2 h / 24 h, counted in
 * calendar time. Business-time clocks, the 004 policy and the settings API come with the SLA engine.
 */
export const SEEDED_SLA_SETTINGS: SlaSettings = {
  policies: [
    {
      id: 'r1-default',
      match: {},
      targets: {
        L1: { firstResponseMinutes: 10, planMinutes: 120 },
        L2: { firstResponseMinutes: 30, planMinutes: 240 },
        L3: { firstResponseMinutes: 120, planMinutes: 1440 },
      },
    },
  ],
};
