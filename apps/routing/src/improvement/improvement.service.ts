import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import {
  decodeKeyCursor,
  DomainError,
  encodeKeyCursor,
  hasRole,
  ifMatchHolds,
  ImprovementEvents,
  PAGE_LIMIT,
  versionEtag,
  type Caller,
  type GetImprovementCaseRequest,
  type ImprovementCaseSummary,
  type ImprovementCaseView,
  type ListImprovementCasesRequest,
  type Page,
  type UpdateImprovementCaseRequest,
} from '@closeloop/contracts';
import type { ImprovementCaseEntity } from './entities/improvement-case.entity';
import type { ImprovementCaseHistoryEntity } from './entities/improvement-case-history.entity';
import { caseEvent } from './improvement-rules';
import { ImprovementRepository } from './improvement.repository';

const READERS = ['admin', 'analyst', 'supervisor'] as const;

/**
 * R8: improvement cases for supervisors, analysts and admins. Cases are cross-department work, so every
 * reader sees every case; changing one (status, owner, plan, by when) is for admins and for supervisors
 * of a department involved, with If-Match on the case's version.
 */
@Injectable()
export class ImprovementService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: ImprovementRepository,
  ) {}

  async list(request: ListImprovementCasesRequest): Promise<Page<ImprovementCaseSummary>> {
    requireReader(request.caller);
    const limit = request.limit ?? PAGE_LIMIT.default;
    const after = request.cursor ? decodeCaseCursor(request.cursor) : null;
    const rows = await this.repository.list(
      { status: request.status, category: request.category, priorityBand: request.priorityBand },
      after,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(summary),
      nextCursor: rows.length > limit && last ? encodeKeyCursor(`${last.priority}|${last.id}`) : null,
    };
  }

  async get(request: GetImprovementCaseRequest): Promise<ImprovementCaseView> {
    requireReader(request.caller);
    const entity = await this.repository.find(request.id);
    if (!entity) throw new DomainError('IMPROVEMENT_CASE.NOT_FOUND');
    return view(entity, await this.repository.history(entity.id));
  }

  async update(request: UpdateImprovementCaseRequest): Promise<ImprovementCaseView> {
    const { caller, input } = request;
    requireReader(caller);
    if (!request.ifMatch?.trim()) {
      throw new DomainError('PRECONDITION_REQUIRED', `send If-Match with the ETag of the case`);
    }
    const changes = Object.fromEntries(Object.entries(input).filter(([field]) => field !== 'note'));
    if (Object.keys(changes).length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'nothing to change', [
        { field: 'status', message: 'give at least one of status, ownerId, plan, dueBy' },
      ]);
    }
    const now = new Date();
    await this.uow.run(async (tx) => {
      const entity = await this.repository.lock(tx.manager, request.id);
      if (!entity) throw new DomainError('IMPROVEMENT_CASE.NOT_FOUND');
      const involved = entity.departments.some((d) => caller.departments.includes(d));
      if (!hasRole(caller, 'admin') && !(hasRole(caller, 'supervisor') && involved)) {
        throw new DomainError('FORBIDDEN', 'admins and supervisors of a department involved change cases');
      }
      if (!ifMatchHolds(request.ifMatch!, versionEtag(entity.version))) {
        throw new DomainError('PRECONDITION_FAILED', `the case is now at ${versionEtag(entity.version)}`);
      }
      const saved = await this.repository.save(tx.manager, {
        ...entity,
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...(input.ownerId !== undefined ? { ownerId: input.ownerId } : {}),
        ...(input.plan !== undefined ? { plan: input.plan } : {}),
        ...(input.dueBy !== undefined ? { dueBy: input.dueBy === null ? null : new Date(input.dueBy) } : {}),
        updatedAt: now,
      });
      await this.repository.addHistory(tx.manager, {
        caseId: entity.id,
        at: now,
        actor: caller.userId,
        action: input.status && input.status !== entity.status ? input.status : 'updated',
        data: { ...changes, ...(input.note ? { note: input.note } : {}) },
      });
      await tx.publish(ImprovementEvents.updated, {
        ...caseEvent(saved),
        ownerId: saved.ownerId,
        changedBy: caller.userId,
        changedAt: now.toISOString(),
      });
    });
    return this.get(request);
  }
}

function requireReader(caller: Caller): void {
  if (!hasRole(caller, ...READERS)) {
    throw new DomainError('FORBIDDEN', 'improvement cases are for supervisors, analysts and admins');
  }
}

function decodeCaseCursor(cursor: string): { priority: number; id: string } {
  const [priority, id] = decodeKeyCursor(cursor).split('|');
  if (!Number.isFinite(Number(priority)) || !/^[0-9a-f-]{36}$/i.test(id ?? '')) {
    throw new DomainError('VALIDATION_FAILED', undefined, [
      { field: 'cursor', message: 'is not a cursor this API gave out' },
    ]);
  }
  return { priority: Number(priority), id };
}

function summary(entity: ImprovementCaseEntity): ImprovementCaseSummary {
  return {
    id: entity.id,
    category: entity.category,
    types: entity.types,
    status: entity.status,
    firstWeek: entity.firstWeek,
    lastWeek: entity.lastWeek,
    weeks: entity.weeks,
    ticketCount: entity.ticketCount,
    customersAffected: entity.customerIds.length,
    amountAtStakeFen: entity.amountAtStakeFen,
    departments: entity.departments,
    priority: entity.priority,
    priorityBand: entity.priorityBand,
    ownerId: entity.ownerId,
    plan: entity.plan,
    dueBy: entity.dueBy?.toISOString() ?? null,
    openedAt: entity.openedAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
  };
}

function view(entity: ImprovementCaseEntity, history: ImprovementCaseHistoryEntity[]): ImprovementCaseView {
  return {
    ...summary(entity),
    weekly: entity.weekly,
    customerIds: entity.customerIds,
    history: history.map((entry) => ({
      at: entry.at.toISOString(),
      actor: entry.actor,
      action: entry.action,
      data: entry.data,
    })),
  };
}
