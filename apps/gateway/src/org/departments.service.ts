import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import {
  DomainError,
  OrgEvents,
  type CreateDepartmentDto,
  type DepartmentListQuery,
  type FieldError,
  type Page,
  type UpdateDepartmentDto,
} from '@closeloop/contracts';
import { UserEntity } from '../users/entities/user.entity';
import { CallerDirectoryRepository } from './caller-directory.repository';
import { DepartmentEntity } from './entities/department.entity';
import { StoreEntity } from './entities/store.entity';
import { activeWhere, checkIfMatch, definedOnly, DirectoryTable } from './org-records';

/** The deepest department tree the directory accepts; a guard against a cycle slipping in. */
const MAX_DEPTH = 32;

/**
 * Departments of the org directory (R3 dispatch targets; the parent chain is R7's escalation path). Every
 * change is versioned (ETag / If-Match) and announced as `org.department-changed.v1` in its transaction.
 */
@Injectable()
export class DepartmentsService {
  readonly table = new DirectoryTable(DepartmentEntity, 'DEPARTMENT.NOT_FOUND');

  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly callers: CallerDirectoryRepository,
  ) {}

  list(query: DepartmentListQuery): Promise<Page<DepartmentEntity>> {
    return this.table.page(
      this.dataSource.manager,
      { ...activeWhere(query.active), ...(query.parentId ? { parentId: query.parentId } : {}) },
      query,
    );
  }

  get(id: string): Promise<DepartmentEntity> {
    return this.table.get(this.dataSource.manager, id);
  }

  async create(input: CreateDepartmentDto): Promise<DepartmentEntity> {
    const saved = await this.uow.run(async (tx) => {
      const record = {
        id: input.id,
        name: input.name,
        parentId: input.parentId ?? null,
        supervisorIds: input.supervisorIds ?? [],
        calendarId: input.calendarId ?? null,
        assignmentStrategy: input.assignmentStrategy ?? 'round_robin',
        preferPreviousAgent: input.preferPreviousAgent ?? true,
        active: true,
      };
      await this.check(tx.manager, record, null);
      const department = await this.table.insert(tx.manager, record);
      await this.announce(tx, department);
      return department;
    });
    // Supervisors see the new department's tickets from their next request on.
    this.callers.forget(...saved.supervisorIds);
    return saved;
  }

  async update(
    id: string,
    input: UpdateDepartmentDto,
    ifMatch: string | undefined,
  ): Promise<DepartmentEntity> {
    const { before, after } = await this.uow.run(async (tx) => {
      const current = await this.table.lock(tx.manager, id);
      checkIfMatch(ifMatch, current.version);
      const changed: DepartmentEntity = {
        ...current,
        ...definedOnly(input),
      };
      await this.check(tx.manager, changed, current);
      const department = await this.table.saveNextVersion(tx.manager, changed);
      await this.announce(tx, department);
      return { before: current, after: department };
    });
    // Who supervises what, and the tree below, decide callers' departments: start afresh.
    if (before.parentId !== after.parentId || before.active !== after.active) this.callers.forgetAll();
    else this.callers.forget(...before.supervisorIds, ...after.supervisorIds);
    return after;
  }

  /** Field errors for references and the tree; 409 when deactivating what active records still use. */
  private async check(
    manager: EntityManager,
    department: Omit<DepartmentEntity, 'version' | 'createdAt' | 'updatedAt'>,
    before: DepartmentEntity | null,
  ): Promise<void> {
    const problems: FieldError[] = [];
    const parentChanged = department.parentId !== (before?.parentId ?? null);
    const reactivated = department.active && before !== null && !before.active;
    if (department.parentId !== null && (parentChanged || reactivated)) {
      problems.push(...(await this.checkParent(manager, department.id, department.parentId)));
    }
    const newSupervisors = department.supervisorIds.filter(
      (userId) => !before?.supervisorIds.includes(userId),
    );
    if (newSupervisors.length > 0) {
      const users = await manager.getRepository(UserEntity).findBy({ id: In(newSupervisors) });
      for (const userId of newSupervisors) {
        const user = users.find((u) => u.id === userId);
        if (!user || !user.active || !user.roles.includes('supervisor')) {
          problems.push({
            field: 'supervisorIds',
            message: `${userId} is not an active user with the supervisor role`,
          });
        }
      }
    }
    if (problems.length > 0)
      throw new DomainError('VALIDATION_FAILED', 'the department is invalid', problems);
    if (before?.active && !department.active) await this.checkUnused(manager, department.id);
  }

  private async checkParent(manager: EntityManager, id: string, parentId: string): Promise<FieldError[]> {
    const field = 'parentId';
    if (parentId === id) return [{ field, message: 'a department cannot be its own parent' }];
    let cursor: string | null = parentId;
    for (let depth = 0; cursor !== null; depth++) {
      const ancestor = await this.table.find(manager, cursor);
      if (!ancestor) return [{ field, message: `no department ${cursor}` }];
      if (cursor === parentId && !ancestor.active) return [{ field, message: `${parentId} is deactivated` }];
      if (ancestor.parentId === id)
        return [{ field, message: `${parentId} is below ${id}: that would be a cycle` }];
      if (depth >= MAX_DEPTH)
        return [{ field, message: `the tree would be deeper than ${MAX_DEPTH} levels` }];
      cursor = ancestor.parentId;
    }
    return [];
  }

  private async checkUnused(manager: EntityManager, id: string): Promise<void> {
    const children = await manager.getRepository(DepartmentEntity).countBy({ parentId: id, active: true });
    const stores = await manager.getRepository(StoreEntity).countBy({ departmentId: id, active: true });
    if (children + stores > 0) {
      throw new DomainError(
        'ORG.IN_USE',
        `${children} active sub-departments and ${stores} active stores belong to ${id}: move or deactivate them first`,
      );
    }
  }

  private async announce(tx: Tx, department: DepartmentEntity): Promise<void> {
    await tx.publish(OrgEvents.departmentChanged, {
      departmentId: department.id,
      parentId: department.parentId,
      supervisorIds: department.supervisorIds,
      calendarId: department.calendarId,
      assignmentStrategy: department.assignmentStrategy,
      preferPreviousAgent: department.preferPreviousAgent,
      active: department.active,
      version: department.version,
      changedAt: department.updatedAt.toISOString(),
    });
  }
}
