import {
  In,
  MoreThan,
  type EntityManager,
  type EntityTarget,
  type FindOptionsWhere,
  type ObjectLiteral,
} from 'typeorm';
import { isUniqueViolation } from '@closeloop/persistence';
import {
  decodeKeyCursor,
  DomainError,
  encodeKeyCursor,
  PAGE_LIMIT,
  type ErrorCode,
  type FieldError,
  type Page,
  type PageQuery,
} from '@closeloop/contracts';

/** What every directory record has: a stable id, a version that grows with each change, and no deletion. */
export interface VersionedRecord extends ObjectLiteral {
  id: string;
  version: number;
  active: boolean;
}

/** The strong ETag of a record version: `"v3"`. */
export function recordEtag(version: number): string {
  return `"v${version}"`;
}

/**
 * RFC 9110 If-Match on a directory record: required (428) and compared strongly with the current version
 * (412 when stale), so two admins editing the same record never silently overwrite each other.
 */
export function checkIfMatch(ifMatch: string | undefined, version: number): void {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new DomainError('PRECONDITION_REQUIRED', 'send If-Match with the ETag of the record you read');
  }
  if (!ifMatch.split(',').some((tag) => tag.trim() === recordEtag(version))) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `the record is now at ${recordEtag(version)}: GET it again and redo the change`,
    );
  }
}

/** Reads and writes of one directory table: get, lock, insert (409 on a taken id), save, keyset pages. */
export class DirectoryTable<E extends VersionedRecord> {
  constructor(
    private readonly target: EntityTarget<E>,
    private readonly notFound: ErrorCode,
  ) {}

  async find(manager: EntityManager, id: string, where: FindOptionsWhere<E> = {}): Promise<E | null> {
    return manager.getRepository(this.target).findOneBy({ ...where, id });
  }

  async get(manager: EntityManager, id: string, where: FindOptionsWhere<E> = {}): Promise<E> {
    const found = await this.find(manager, id, where);
    if (!found) throw new DomainError(this.notFound, `no ${this.noun()} ${id}`);
    return found;
  }

  /** The record, locked until the transaction ends (every change of it goes through here). */
  async lock(manager: EntityManager, id: string, where: FindOptionsWhere<E> = {}): Promise<E> {
    const found = await manager.getRepository(this.target).findOne({
      where: { ...where, id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!found) throw new DomainError(this.notFound, `no ${this.noun()} ${id}`);
    return found;
  }

  /** Inserts a new record at version 1; a taken id (even of a deactivated record) is 409. */
  async insert(manager: EntityManager, record: Omit<E, 'version' | 'createdAt' | 'updatedAt'>): Promise<E> {
    const repository = manager.getRepository(this.target);
    try {
      await repository.insert({ ...record, version: 1 } as unknown as E);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError('ORG.ID_TAKEN', `${this.noun()} ${record.id} exists`, [
          { field: 'id', message: 'is taken (ids are never reused, even when deactivated)' },
        ]);
      }
      throw error;
    }
    return this.get(manager, record.id);
  }

  /** Stores a locked record's changes as its next version. */
  async saveNextVersion(manager: EntityManager, record: E): Promise<E> {
    const next = { ...record, version: record.version + 1 };
    await manager.getRepository(this.target).save(next);
    return this.get(manager, record.id);
  }

  /** Which of the given ids exist and are active (references from other records must point at these). */
  async activeIds(manager: EntityManager, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await manager
      .getRepository(this.target)
      .findBy({ id: In(ids), active: true } as unknown as FindOptionsWhere<E>);
    return new Set(rows.map((row) => row.id));
  }

  /** Field errors for the ids that are not active records of this table. */
  async checkReferences(manager: EntityManager, field: string, ids: string[]): Promise<FieldError[]> {
    const found = await this.activeIds(manager, ids);
    return ids
      .filter((id) => !found.has(id))
      .map((id) => ({ field, message: `${id} is not an active ${this.noun()}` }));
  }

  /** One page in id order after the cursor; `nextCursor` is null on the last page. */
  async page(manager: EntityManager, where: FindOptionsWhere<E>, query: PageQuery): Promise<Page<E>> {
    const limit = query.limit ?? PAGE_LIMIT.default;
    const after = query.cursor === undefined ? undefined : decodeKeyCursor(query.cursor);
    const rows = await manager.getRepository(this.target).find({
      where: after === undefined ? where : { ...where, id: MoreThan(after) },
      order: { id: 'ASC' } as never,
      take: limit + 1,
    });
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeKeyCursor(last.id) : null };
  }

  private noun(): string {
    return this.notFound.split('.')[0].toLowerCase();
  }
}

/** `?active=true|false` as a where clause. */
export function activeWhere(active: 'true' | 'false' | undefined): { active?: boolean } {
  return active === undefined ? {} : { active: active === 'true' };
}

/** The fields a PATCH body sets (absent fields keep their value; null clears a reference). */
export function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}
