import {
  ApiProperty,
  ApiPropertyOptional,
  IntersectionType,
  OmitType,
  PartialType,
  PickType,
} from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  ASSIGNMENT_STRATEGIES,
  AVAILABILITIES,
  ORG_ID_MESSAGE,
  ORG_ID_PATTERN,
  STORE_SIZE_CLASSES,
  type AssignmentStrategy,
  type Availability,
  type StoreSizeClass,
} from '../org';
import { PageQuery } from './customer.dto';

/** The roles the agents API manages; other roles of a user (admin, analyst) are left as they are. */
export const AGENT_ROLES = ['agent', 'supervisor'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

const NAME = { min: 1, max: 100 } as const;

/** `?active=true|false` on list queries. */
class ActiveFilter extends PageQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only active or only deactivated records' })
  @IsOptional()
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';
}

// ---- departments ----

export class CreateDepartmentDto {
  @ApiProperty({
    example: 'after-sales',
    pattern: ORG_ID_PATTERN.source,
    description: 'stable id, never reused',
  })
  @Matches(ORG_ID_PATTERN, { message: `id ${ORG_ID_MESSAGE}` })
  id!: string;

  @ApiProperty({ example: '售后服务', maxLength: NAME.max })
  @IsString()
  @Length(NAME.min, NAME.max)
  name!: string;

  @ApiPropertyOptional({ nullable: true, description: 'the department one level up (R7 escalates there)' })
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `parentId ${ORG_ID_MESSAGE}` })
  parentId?: string | null;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'users with the supervisor role' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  supervisorIds?: string[];

  @ApiPropertyOptional({
    nullable: true,
    description: 'a calendar id of GET /settings/calendar (its zone and working hours); null: default',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  calendarId?: string | null;

  @ApiPropertyOptional({ enum: ASSIGNMENT_STRATEGIES, default: 'round_robin' })
  @IsOptional()
  @IsIn(ASSIGNMENT_STRATEGIES)
  assignmentStrategy?: AssignmentStrategy;

  @ApiPropertyOptional({ default: true, description: 'C9: prefer the agent who handled the customer before' })
  @IsOptional()
  @IsBoolean()
  preferPreviousAgent?: boolean;
}

/** Any of the fields of a new department but its id; null clears a reference (parent, calendar). */
export class UpdateDepartmentDto extends PartialType(OmitType(CreateDepartmentDto, ['id'] as const)) {
  @ApiPropertyOptional({ description: 'false deactivates (nothing is ever deleted), true reactivates' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class DepartmentListQuery extends ActiveFilter {
  @ApiPropertyOptional({ description: 'only the direct sub-departments of this one' })
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `parentId ${ORG_ID_MESSAGE}` })
  parentId?: string;
}

// ---- stores ----

export class CreateStoreDto {
  @ApiProperty({ example: 'sh-xujiahui', pattern: ORG_ID_PATTERN.source })
  @Matches(ORG_ID_PATTERN, { message: `id ${ORG_ID_MESSAGE}` })
  id!: string;

  @ApiProperty({ example: '上海徐家汇店', maxLength: NAME.max })
  @IsString()
  @Length(NAME.min, NAME.max)
  name!: string;

  @ApiProperty({ enum: STORE_SIZE_CLASSES, description: 'C4: callback quotas depend on it' })
  @IsIn(STORE_SIZE_CLASSES)
  sizeClass!: StoreSizeClass;

  @ApiPropertyOptional({ nullable: true, description: 'the department the store belongs to' })
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `departmentId ${ORG_ID_MESSAGE}` })
  departmentId?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    description: 'a calendar id of GET /settings/calendar; null: default',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  calendarId?: string | null;
}

export class UpdateStoreDto extends PartialType(OmitType(CreateStoreDto, ['id'] as const)) {
  @ApiPropertyOptional({ description: 'false deactivates (nothing is ever deleted), true reactivates' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class StoreListQuery extends ActiveFilter {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `departmentId ${ORG_ID_MESSAGE}` })
  departmentId?: string;
}

// ---- skills ----

export class CreateSkillDto {
  @ApiProperty({ example: 'billing', pattern: ORG_ID_PATTERN.source })
  @Matches(ORG_ID_PATTERN, { message: `id ${ORG_ID_MESSAGE}` })
  id!: string;

  @ApiProperty({ example: '账单与退款', maxLength: NAME.max })
  @IsString()
  @Length(NAME.min, NAME.max)
  name!: string;
}

export class UpdateSkillDto extends PartialType(OmitType(CreateSkillDto, ['id'] as const)) {
  @ApiPropertyOptional({ description: 'false deactivates (nothing is ever deleted), true reactivates' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class SkillListQuery extends ActiveFilter {}

// ---- agents ----

/** Membership and working profile of an agent (R3: skill, load, availability). */
class AgentProfileFields {
  @ApiPropertyOptional({ type: [String], description: 'departments the agent works for' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(ORG_ID_PATTERN, { each: true, message: `each of departmentIds ${ORG_ID_MESSAGE}` })
  departmentIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ArrayUnique()
  @Matches(ORG_ID_PATTERN, { each: true, message: `each of storeIds ${ORG_ID_MESSAGE}` })
  storeIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(ORG_ID_PATTERN, { each: true, message: `each of skillIds ${ORG_ID_MESSAGE}` })
  skillIds?: string[];
}

/** A staff user's sign-in: what `/users` and `/org/agents` both ask for. */
export class StaffAccountDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @Length(1, 100)
  displayName!: string;

  @ApiProperty({ minLength: 12 })
  @IsString()
  @Length(12, 200)
  password!: string;
}

export class CreateAgentDto extends IntersectionType(StaffAccountDto, AgentProfileFields) {
  @ApiProperty({ enum: AGENT_ROLES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(AGENT_ROLES, { each: true })
  roles!: AgentRole[];

  @ApiProperty({ minimum: 0, maximum: 10_000, description: 'most open tickets at once; 0 takes none' })
  @IsInt()
  @Min(0)
  @Max(10_000)
  capacity!: number;

  @ApiPropertyOptional({ enum: AVAILABILITIES, default: 'away' })
  @IsOptional()
  @IsIn(AVAILABILITIES)
  availability?: Availability;
}

/** Membership, profile, the agent/supervisor roles (other roles are kept) and `active`. */
export class UpdateAgentDto extends PartialType(
  PickType(CreateAgentDto, ['roles', 'capacity', 'departmentIds', 'storeIds', 'skillIds'] as const),
) {
  @ApiPropertyOptional({ description: 'false deactivates the user (no more sign-in, no more tickets)' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class SetAvailabilityDto {
  @ApiProperty({ enum: AVAILABILITIES })
  @IsIn(AVAILABILITIES)
  availability!: Availability;
}

export class AgentListQuery extends ActiveFilter {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `departmentId ${ORG_ID_MESSAGE}` })
  departmentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ORG_ID_PATTERN, { message: `skillId ${ORG_ID_MESSAGE}` })
  skillId?: string;

  @ApiPropertyOptional({ enum: AVAILABILITIES })
  @IsOptional()
  @IsIn(AVAILABILITIES)
  availability?: Availability;
}
