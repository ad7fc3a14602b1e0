import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

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

const SELECT_CURRENT = `
  SELECT s.key, s.value, s.updated_at, s.updated_by,
         COALESCE((SELECT max(r.version) FROM routing.setting_revisions r WHERE r.key = s.key), 0)::int AS version
    FROM routing.settings s`;

/** SQL of settings documents with their versions (`settings` + `setting_revisions`). */
@Injectable()
export class SettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async current(
    key: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredSettings | null> {
    const rows: Row[] = await manager.query(`${SELECT_CURRENT} WHERE s.key = $1`, [key]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  /**
   * Locks the given documents for the rest of the transaction, always in key order, so two admins changing
   * documents that refer to each other (a policy's calendar) neither deadlock nor break the reference.
   */
  async lock(manager: EntityManager, keys: string[]): Promise<void> {
    await manager.query(`SELECT key FROM routing.settings WHERE key = ANY($1) ORDER BY key FOR UPDATE`, [
      keys,
    ]);
  }

  async addRevision(
    manager: EntityManager,
    revision: { key: string; version: number; value: unknown; changedAt: Date; changedBy: string | null },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO routing.setting_revisions (key, version, value, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)`,
      [
        revision.key,
        revision.version,
        JSON.stringify(revision.value),
        revision.changedAt,
        revision.changedBy,
      ],
    );
  }
}

function toStored(row: Row): StoredSettings {
  return {
    key: row.key,
    value: row.value,
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}
