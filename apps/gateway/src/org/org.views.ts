import { ApiProperty } from '@nestjs/swagger';
import {
  ASSIGNMENT_STRATEGIES,
  AVAILABILITIES,
  ROLES,
  STORE_SIZE_CLASSES,
  type AssignmentStrategy,
  type Availability,
  type Page,
  type Role,
  type StoreSizeClass,
} from '@closeloop/contracts';
import type { UserEntity } from '../users/entities/user.entity';
import type { DepartmentEntity } from './entities/department.entity';
import type { SkillEntity } from './entities/skill.entity';
import type { StoreEntity } from './entities/store.entity';

/** Every directory record shows its version (also its ETag) and whether it is active. */
class RecordView {
  @ApiProperty({ description: 'false once deactivated (records are never deleted)' }) active!: boolean;
  @ApiProperty({ description: 'grows with each change; the ETag is `"v<version>"`' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class DepartmentView extends RecordView {
  @ApiProperty({ example: 'after-sales' }) id!: string;
  @ApiProperty({ example: '售后服务' }) name!: string;
  @ApiProperty({ nullable: true, type: String }) parentId!: string | null;
  @ApiProperty({ type: [String], format: 'uuid' }) supervisorIds!: string[];
  @ApiProperty({ nullable: true, type: String }) calendarId!: string | null;
  @ApiProperty({ enum: ASSIGNMENT_STRATEGIES }) assignmentStrategy!: AssignmentStrategy;
  @ApiProperty() preferPreviousAgent!: boolean;
}

export class StoreView extends RecordView {
  @ApiProperty({ example: 'sh-xujiahui' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STORE_SIZE_CLASSES }) sizeClass!: StoreSizeClass;
  @ApiProperty({ nullable: true, type: String }) departmentId!: string | null;
  @ApiProperty({ nullable: true, type: String }) calendarId!: string | null;
}

export class SkillView extends RecordView {
  @ApiProperty({ example: 'billing' }) id!: string;
  @ApiProperty() name!: string;
}

export class AgentView extends RecordView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ type: [String] }) departmentIds!: string[];
  @ApiProperty({ type: [String] }) storeIds!: string[];
  @ApiProperty({ type: [String] }) skillIds!: string[];
  @ApiProperty({ description: 'most open tickets at once; 0 receives none automatically' }) capacity!: number;
  @ApiProperty({ enum: AVAILABILITIES }) availability!: Availability;
}

class PageView {
  @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page' })
  nextCursor!: string | null;
}
export class DepartmentPageView extends PageView {
  @ApiProperty({ type: [DepartmentView] }) items!: DepartmentView[];
}
export class StorePageView extends PageView {
  @ApiProperty({ type: [StoreView] }) items!: StoreView[];
}
export class SkillPageView extends PageView {
  @ApiProperty({ type: [SkillView] }) items!: SkillView[];
}
export class AgentPageView extends PageView {
  @ApiProperty({ type: [AgentView] }) items!: AgentView[];
}

function record(entity: { active: boolean; version: number; createdAt: Date; updatedAt: Date }): RecordView {
  return {
    active: entity.active,
    version: entity.version,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

export function departmentView(d: DepartmentEntity): DepartmentView {
  return {
    id: d.id,
    name: d.name,
    parentId: d.parentId,
    supervisorIds: d.supervisorIds,
    calendarId: d.calendarId,
    assignmentStrategy: d.assignmentStrategy,
    preferPreviousAgent: d.preferPreviousAgent,
    ...record(d),
  };
}

export function storeView(s: StoreEntity): StoreView {
  return {
    id: s.id,
    name: s.name,
    sizeClass: s.sizeClass,
    departmentId: s.departmentId,
    calendarId: s.calendarId,
    ...record(s),
  };
}

export function skillView(s: SkillEntity): SkillView {
  return { id: s.id, name: s.name, ...record(s) };
}

export function agentView(u: UserEntity): AgentView {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    roles: u.roles,
    departmentIds: u.departments,
    storeIds: u.stores,
    skillIds: u.skills,
    capacity: u.capacity,
    availability: u.availability,
    ...record(u),
  };
}

export function pageView<E, V>(page: Page<E>, view: (entity: E) => V): Page<V> {
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}
