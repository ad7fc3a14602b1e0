import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import {
  DomainError,
  OrgEvents,
  type CreateStoreDto,
  type Page,
  type StoreListQuery,
  type UpdateStoreDto,
} from '@closeloop/contracts';
import { CallerDirectoryRepository } from './caller-directory.repository';
import { DepartmentEntity } from './entities/department.entity';
import { StoreEntity } from './entities/store.entity';
import { activeWhere, checkIfMatch, definedOnly, DirectoryTable } from './org-records';

/** Stores of the org directory (C4: callback quotas by size class), announced as `org.store-changed.v1`. */
@Injectable()
export class StoresService {
  private readonly table = new DirectoryTable(StoreEntity, 'STORE.NOT_FOUND');
  private readonly departments = new DirectoryTable(DepartmentEntity, 'DEPARTMENT.NOT_FOUND');

  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly callers: CallerDirectoryRepository,
  ) {}

  list(query: StoreListQuery): Promise<Page<StoreEntity>> {
    return this.table.page(
      this.dataSource.manager,
      { ...activeWhere(query.active), ...(query.departmentId ? { departmentId: query.departmentId } : {}) },
      query,
    );
  }

  get(id: string): Promise<StoreEntity> {
    return this.table.get(this.dataSource.manager, id);
  }

  create(input: CreateStoreDto): Promise<StoreEntity> {
    return this.uow.run(async (tx) => {
      const record = {
        id: input.id,
        name: input.name,
        sizeClass: input.sizeClass,
        departmentId: input.departmentId ?? null,
        calendarId: input.calendarId ?? null,
        active: true,
      };
      await this.checkDepartment(tx.manager, record.departmentId);
      const store = await this.table.insert(tx.manager, record);
      await this.announce(tx, store);
      return store;
    });
  }

  async update(id: string, input: UpdateStoreDto, ifMatch: string | undefined): Promise<StoreEntity> {
    const saved = await this.uow.run(async (tx) => {
      const current = await this.table.lock(tx.manager, id);
      checkIfMatch(ifMatch, current.version);
      const changed: StoreEntity = { ...current, ...definedOnly(input) };
      const reactivated = changed.active && !current.active;
      if (changed.departmentId !== current.departmentId || reactivated) {
        await this.checkDepartment(tx.manager, changed.departmentId);
      }
      const store = await this.table.saveNextVersion(tx.manager, changed);
      await this.announce(tx, store);
      return store;
    });
    // Supervisors of the store's department see its stores (caller-directory): start afresh.
    this.callers.forgetAll();
    return saved;
  }

  private async checkDepartment(manager: EntityManager, departmentId: string | null): Promise<void> {
    if (departmentId === null) return;
    const problems = await this.departments.checkReferences(manager, 'departmentId', [departmentId]);
    if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', 'the store is invalid', problems);
  }

  private async announce(tx: Tx, store: StoreEntity): Promise<void> {
    await tx.publish(OrgEvents.storeChanged, {
      storeId: store.id,
      sizeClass: store.sizeClass,
      departmentId: store.departmentId,
      calendarId: store.calendarId,
      active: store.active,
      version: store.version,
      changedAt: store.updatedAt.toISOString(),
    });
  }
}
