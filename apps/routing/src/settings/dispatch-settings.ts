import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  FEEDBACK_TYPES,
  LEVELS,
  ORG_ID_MESSAGE,
  ORG_ID_PATTERN,
  type FeedbackType,
  type Level,
} from '@closeloop/contracts';
import { IsSettingsId } from './settings-id';

/** A category (`product.defect`) or every category of a group (`service.*`). */
export const CATEGORY_MATCH_PATTERN = /^[a-z][a-z_]*\.([a-z][a-z_]*|\*)$/;

/** Every given list must contain the ticket's value; an absent list matches anything; `{}` matches all. */
export class DispatchMatch {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @Matches(CATEGORY_MATCH_PATTERN, {
    each: true,
    message: 'each category must be <group>.<name> or <group>.* (product.defect, service.*)',
  })
  categories?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(FEEDBACK_TYPES, { each: true })
  types?: FeedbackType[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(LEVELS, { each: true })
  levels?: Level[];
}

/** R3: tickets that match go to `department`; `requiredSkills` narrow who there may take them. */
export class DispatchRule {
  @IsSettingsId()
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ValidateNested()
  @Type(() => DispatchMatch)
  match!: DispatchMatch;

  @Matches(ORG_ID_PATTERN, { message: `department ${ORG_ID_MESSAGE}` })
  department!: string;

  /** Only agents holding every one of these skills may take the ticket (whatever the strategy). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(ORG_ID_PATTERN, { each: true, message: `each of requiredSkills ${ORG_ID_MESSAGE}` })
  requiredSkills?: string[];
}

/**
 * R3 dispatch as settings data (`GET|PUT /api/v1/settings/dispatch`): the first rule whose match holds
 * and whose department is active sends the ticket there; otherwise `fallbackDepartment` takes it.
 */
export class DispatchSettings {
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DispatchRule)
  rules!: DispatchRule[];

  @Matches(ORG_ID_PATTERN, { message: `fallbackDepartment ${ORG_ID_MESSAGE}` })
  fallbackDepartment!: string;
}
