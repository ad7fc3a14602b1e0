import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { CHANNELS, FEEDBACK_TYPES, LEVELS } from '@closeloop/contracts';
import type { Channel, FeedbackType, Level } from '@closeloop/contracts';
import { IsSettingsId } from './settings-id';

/** G1 customer segments (libs/contracts); a ticket may have none (segment not known yet). */
import { SEGMENTS, type Segment } from '@closeloop/contracts';
export { SEGMENTS, type Segment };

/** How a metric's clock runs: elapsed time, or only the open windows of the policy's business calendar. */
export const CLOCKS = ['calendar', 'business'] as const;
export type Clock = (typeof CLOCKS)[number];

/**
 * One time limit. Exactly one of `minutes` and `workingDays`: minutes count on the given clock; working days
 * (business clock only) end at the close of the n-th working day after the day the ticket arrived.
 */
export class SlaMetric {
  @IsIn(CLOCKS)
  clock!: Clock;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366 * 24 * 60)
  minutes?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  workingDays?: number;
}

/** The four clocks of a ticket at one level. */
export class SlaTargets {
  /** R1: first response. */
  @ValidateNested()
  @Type(() => SlaMetric)
  firstResponse!: SlaMetric;

  /** R1, R4: solution plan (what, who, by when) / first substantive reply. */
  @ValidateNested()
  @Type(() => SlaMetric)
  plan!: SlaMetric;

  /** R5: the customer is updated at least this often until the ticket is resolved. */
  @ValidateNested()
  @Type(() => SlaMetric)
  progressEvery!: SlaMetric;

  /** Resolution; absent when the policy sets none (001's table has none: the plan says by when, R4). */
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaMetric)
  resolution?: SlaMetric;
}

/** Targets per level; a policy needs the levels it can match (all three when `match.levels` is absent). */
export class SlaLevelTargets {
  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargets)
  L1?: SlaTargets;

  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargets)
  L2?: SlaTargets;

  @IsOptional()
  @ValidateNested()
  @Type(() => SlaTargets)
  L3?: SlaTargets;
}

/** Every given list must contain the ticket's value; an absent list matches anything. */
export class SlaMatch {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(LEVELS, { each: true })
  levels?: Level[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(FEEDBACK_TYPES, { each: true })
  types?: FeedbackType[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(CHANNELS, { each: true })
  channels?: Channel[];

  /** A policy listing segments never matches a ticket whose customer has no known segment. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(SEGMENTS, { each: true })
  segments?: Segment[];
}

export class SlaPolicy {
  @IsSettingsId()
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ValidateNested()
  @Type(() => SlaMatch)
  match!: SlaMatch;

  /** Id of the business calendar (settings `calendar`) that business-clock metrics count in. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  calendar!: string;

  @ValidateNested()
  @Type(() => SlaLevelTargets)
  targets!: SlaLevelTargets;
}

/** R1: SLA policies as settings data; the first policy whose match holds applies (the last matches all). */
export class SlaSettings {
  /** R7 warning window: a ticket is `due_soon` this many minutes before its earliest open due time. */
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  dueSoonMinutes!: number;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => SlaPolicy)
  policies!: SlaPolicy[];
}

/** Business calendars as settings data (docs/calendar.md); each entry is checked with validateCalendar. */
export class CalendarSettings {
  @IsArray()
  @ArrayMinSize(1)
  @IsObject({ each: true })
  calendars!: Record<string, unknown>[];
}

/**
 * The first seed, written by the RoutingInitial migration (which imports it, so it must stay as it is).
 * The SlaPoliciesAndCalendars migration replaced it with the model above; nothing else reads this.
 */
export const SEEDED_SLA_SETTINGS = {
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
} as const;
