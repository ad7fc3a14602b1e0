import type { DataSource, EntityManager } from 'typeorm';
import { quoteIdent } from './data-source';
import { DeferredInsert, insertRows } from './deferred-insert';

export interface StoredSettings {
  key: string;
  value: Record<string, unknown>;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

interface Row {
  key: string;
  value: Record<string, unknown>;
  version: number;
  updated_at: Date;
  updated_by: string | null;
}

/**
 * A service's settings documents with their versions (`settings` + `setting_revisions` in its schema):
 * the highest revision of a key is its version, and names its ETag, so a stale `If-Match` is caught.
 */
/** A revision as written. */
interface Revision {
  key: string;
  version: number;
  value: unknown;
  changedAt: Date;
  changedBy: string | null;
}

export class SettingsRevisions {
  private readonly settings: string;
  private readonly revisions: string;
  private readonly insertRevision: DeferredInsert<Revision>;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
  ) {
    this.settings = `${quoteIdent(schema)}.settings`;
    this.revisions = `${quoteIdent(schema)}.setting_revisions`;
    this.insertRevision = new DeferredInsert<Revision>(this.revisions, {
      key: 'key',
      version: 'version',
      value: { column: 'value', json: true },
      changedAt: 'changed_at',
      changedBy: 'changed_by',
    });
  }

  async current(
    key: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredSettings | null> {
    const rows: Row[] = await manager.query(
      `SELECT s.key, s.value, s.updated_at, s.updated_by,
              COALESCE((SELECT max(r.version) FROM ${this.revisions} r WHERE r.key = s.key), 0)::int AS version
       FROM ${this.settings} s WHERE s.key = $1`,
      [key],
    );
    const row = rows[0];
    return row
      ? {
          key: row.key,
          value: row.value,
          version: row.version,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : null;
  }

  /**
   * Locks the given documents for the rest of the transaction, always in key order, so two admins changing
   * documents that refer to each other neither deadlock nor break the reference.
   */
  async lock(manager: EntityManager, keys: string[]): Promise<void> {
    await manager.query(`SELECT key FROM ${this.settings} WHERE key = ANY($1) ORDER BY key FOR UPDATE`, [
      keys,
    ]);
  }

  async addRevision(manager: EntityManager, revision: Revision): Promise<void> {
    await insertRows(manager, this.insertRevision, [revision]);
  }
}
