import { Injectable } from '@nestjs/common';
import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { OrgAgentEntity } from './entities/org-agent.entity';
import { OrgDepartmentEntity } from './entities/org-department.entity';
import { OrgSkillEntity } from './entities/org-skill.entity';
import { OrgStoreEntity } from './entities/org-store.entity';

/** The outcome of applying a state-transfer event: what the record was, and whether the event was newer. */
export interface Applied<E> {
  before: E | null;
  after: E;
  applied: boolean;
}

/** SQL of routing's read model of the org directory (org_* tables). */
@Injectable()
export class OrgDirectoryRepository {
  /**
   * Keeps the highest version of a record: the current row is locked, and the event's state is written
   * only when its version is newer. Older or repeated versions change nothing, in any order of arrival.
   */
  async upsertNewer<E extends ObjectLiteral & { version: number }>(
    manager: EntityManager,
    target: EntityTarget<E>,
    key: Partial<E>,
    state: E,
  ): Promise<Applied<E>> {
    const repository = manager.getRepository(target);
    const before = await repository.findOne({ where: key, lock: { mode: 'pessimistic_write' } });
    if (before && before.version >= state.version) return { before, after: before, applied: false };
    if (before) {
      await repository.save(state);
    } else {
      // A plain INSERT, never an upsert: a concurrent transaction (another replica, or this consumer's
      // other batch) may have written the first version since the locked read found nothing. Its row
      // makes this insert fail (waiting for its commit if need be) and the event is retried, then finds
      // the row and compares versions like any other. `save` would have turned into an UPDATE there and
      // let an older version overwrite a newer one.
      await repository.insert(state);
    }
    return { before, after: state, applied: true };
  }

  department(manager: EntityManager, id: string): Promise<OrgDepartmentEntity | null> {
    return manager.getRepository(OrgDepartmentEntity).findOneBy({ id });
  }

  agent(manager: EntityManager, userId: string): Promise<OrgAgentEntity | null> {
    return manager.getRepository(OrgAgentEntity).findOneBy({ userId });
  }

  /** Active agents among the given user ids. */
  async activeAgentIds(manager: EntityManager, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const agents = await manager
      .getRepository(OrgAgentEntity)
      .find({ select: { userId: true }, where: { userId: In(userIds), active: true } });
    return new Set(agents.map((agent) => agent.userId));
  }

  store(manager: EntityManager, id: string): Promise<OrgStoreEntity | null> {
    return manager.getRepository(OrgStoreEntity).findOneBy({ id });
  }

  skill(manager: EntityManager, id: string): Promise<OrgSkillEntity | null> {
    return manager.getRepository(OrgSkillEntity).findOneBy({ id });
  }
}
