import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { ROLES, type Role } from '../caller';
import {
  ASSIGNMENT_STRATEGIES,
  AVAILABILITIES,
  ORG_ID_PATTERN,
  STORE_SIZE_CLASSES,
  type AssignmentStrategy,
  type Availability,
  type StoreSizeClass,
} from '../org';
import { defineEvent } from './event';

/**
 * The org directory reaches other services as state-transfer events: each carries the whole current state
 * of one record and its version, so a consumer keeps the highest version it has seen and may receive them
 * late, twice or out of order. Ids only: no names (X1 keeps free text out of events).
 */
abstract class OrgRecordChanged {
  @IsBoolean()
  active!: boolean;

  /** Grows by one with every change of the record; a consumer ignores a version it already has. */
  @IsInt()
  @Min(1)
  version!: number;

  @IsISO8601({ strict: true })
  changedAt!: string;
}

/** org.department-changed.v1 — a department was created or changed (R3, R7). */
export class OrgDepartmentChangedV1 extends OrgRecordChanged {
  @Matches(ORG_ID_PATTERN)
  departmentId!: string;

  /** The department one level up (R7 escalates there), or null at the top. */
  @IsOptional()
  @Matches(ORG_ID_PATTERN)
  parentId!: string | null;

  /** Users who supervise it (R7: escalations reach them first). */
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  supervisorIds!: string[];

  /** A routing calendar id (business time of the department); null: the default calendar. */
  @IsOptional()
  @IsString()
  @Length(1, 64)
  calendarId!: string | null;

  @IsIn(ASSIGNMENT_STRATEGIES)
  assignmentStrategy!: AssignmentStrategy;

  /** C9: give the ticket to the agent who handled this customer before, when they can take it. */
  @IsBoolean()
  preferPreviousAgent!: boolean;
}

/** org.store-changed.v1 — a store was created or changed (C4 quotas use its size class). */
export class OrgStoreChangedV1 extends OrgRecordChanged {
  @Matches(ORG_ID_PATTERN)
  storeId!: string;

  @IsIn(STORE_SIZE_CLASSES)
  sizeClass!: StoreSizeClass;

  @IsOptional()
  @Matches(ORG_ID_PATTERN)
  departmentId!: string | null;

  @IsOptional()
  @IsString()
  @Length(1, 64)
  calendarId!: string | null;
}

/** org.skill-changed.v1 — a skill of the catalog was created or changed. */
export class OrgSkillChangedV1 extends OrgRecordChanged {
  @Matches(ORG_ID_PATTERN)
  skillId!: string;
}

/**
 * org.agent-changed.v1 — a staff user with the agent or supervisor role was created or changed: membership,
 * skills, capacity (most open tickets at once) or availability (on shift / away).
 */
export class OrgAgentChangedV1 extends OrgRecordChanged {
  @IsUUID()
  userId!: string;

  @IsArray()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ORG_ID_PATTERN, { each: true })
  departmentIds!: string[];

  @IsArray()
  @ArrayMaxSize(500)
  @Matches(ORG_ID_PATTERN, { each: true })
  storeIds!: string[];

  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ORG_ID_PATTERN, { each: true })
  skillIds!: string[];

  @IsInt()
  @Min(0)
  @Max(10_000)
  capacity!: number;

  @IsIn(AVAILABILITIES)
  availability!: Availability;
}

export const OrgEvents = {
  departmentChanged: defineEvent(
    'org.department-changed.v1',
    OrgDepartmentChangedV1,
    'A department of the org directory was created or changed (whole state, versioned).',
  ),
  storeChanged: defineEvent(
    'org.store-changed.v1',
    OrgStoreChangedV1,
    'A store of the org directory was created or changed (whole state, versioned).',
  ),
  skillChanged: defineEvent(
    'org.skill-changed.v1',
    OrgSkillChangedV1,
    'A skill of the catalog was created or changed (whole state, versioned).',
  ),
  agentChanged: defineEvent(
    'org.agent-changed.v1',
    OrgAgentChangedV1,
    "An agent's membership, skills, capacity or availability changed (whole state, versioned).",
  ),
} as const;
