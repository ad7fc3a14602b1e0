import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type {
  OrgAgentChangedV1,
  OrgDepartmentChangedV1,
  OrgSkillChangedV1,
  OrgStoreChangedV1,
} from '@closeloop/contracts';
import { OrgAgentEntity } from './entities/org-agent.entity';
import { OrgDepartmentEntity } from './entities/org-department.entity';
import { OrgSkillEntity } from './entities/org-skill.entity';
import { OrgStoreEntity } from './entities/org-store.entity';
import { OrgDirectoryRepository, type Applied } from './org-directory.repository';

/**
 * routing's read model of the gateway's org directory, kept from `org.*.v1` events, and the questions other
 * parts of routing ask it inside their transactions: who supervises a department and what is above it
 * (R7 escalation), its calendar, and the agents who may take its tickets (R3 assignment).
 *
 * Stable API for the lifecycle/SLA code: `supervisorsOf`, `parentOf`, `calendarOf`.
 */
@Injectable()
export class OrgDirectoryService {
  constructor(private readonly repository: OrgDirectoryRepository) {}

  /**
   * R7: who an escalation of the department's tickets goes to first: its supervisors who are still active
   * users, in the order the admin listed them. Empty when the department is unknown or has none (the
   * caller then goes up a level with `parentOf`).
   */
  async supervisorsOf(manager: EntityManager, departmentId: string): Promise<string[]> {
    const department = await this.repository.department(manager, departmentId);
    if (!department || department.supervisorIds.length === 0) return [];
    const active = await this.repository.activeAgentIds(manager, department.supervisorIds);
    return department.supervisorIds.filter((userId) => active.has(userId));
  }

  /** R7: the department one level up, or null at the top (or when the department is unknown). */
  async parentOf(manager: EntityManager, departmentId: string): Promise<string | null> {
    return (await this.repository.department(manager, departmentId))?.parentId ?? null;
  }

  /** The department's business calendar id, or null for the default calendar (or an unknown department). */
  async calendarOf(manager: EntityManager, departmentId: string): Promise<string | null> {
    return (await this.repository.department(manager, departmentId))?.calendarId ?? null;
  }

  department(manager: EntityManager, departmentId: string): Promise<OrgDepartmentEntity | null> {
    return this.repository.department(manager, departmentId);
  }

  agent(manager: EntityManager, userId: string): Promise<OrgAgentEntity | null> {
    return this.repository.agent(manager, userId);
  }

  applyDepartment(
    manager: EntityManager,
    event: OrgDepartmentChangedV1,
  ): Promise<Applied<OrgDepartmentEntity>> {
    return this.repository.upsertNewer(
      manager,
      OrgDepartmentEntity,
      { id: event.departmentId },
      {
        id: event.departmentId,
        parentId: event.parentId ?? null,
        supervisorIds: event.supervisorIds,
        calendarId: event.calendarId ?? null,
        assignmentStrategy: event.assignmentStrategy,
        preferPreviousAgent: event.preferPreviousAgent,
        active: event.active,
        version: event.version,
        updatedAt: new Date(event.changedAt),
      },
    );
  }

  applyAgent(manager: EntityManager, event: OrgAgentChangedV1): Promise<Applied<OrgAgentEntity>> {
    return this.repository.upsertNewer(
      manager,
      OrgAgentEntity,
      { userId: event.userId },
      {
        userId: event.userId,
        roles: event.roles,
        departmentIds: event.departmentIds,
        storeIds: event.storeIds,
        skillIds: event.skillIds,
        capacity: event.capacity,
        availability: event.availability,
        active: event.active,
        version: event.version,
        updatedAt: new Date(event.changedAt),
      },
    );
  }

  applyStore(manager: EntityManager, event: OrgStoreChangedV1): Promise<Applied<OrgStoreEntity>> {
    return this.repository.upsertNewer(
      manager,
      OrgStoreEntity,
      { id: event.storeId },
      {
        id: event.storeId,
        sizeClass: event.sizeClass,
        departmentId: event.departmentId ?? null,
        calendarId: event.calendarId ?? null,
        active: event.active,
        version: event.version,
        updatedAt: new Date(event.changedAt),
      },
    );
  }

  applySkill(manager: EntityManager, event: OrgSkillChangedV1): Promise<Applied<OrgSkillEntity>> {
    return this.repository.upsertNewer(
      manager,
      OrgSkillEntity,
      { id: event.skillId },
      {
        id: event.skillId,
        active: event.active,
        version: event.version,
        updatedAt: new Date(event.changedAt),
      },
    );
  }
}
