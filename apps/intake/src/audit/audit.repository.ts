import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DeferredInsert, insertRows } from '@closeloop/messaging';
import { currentCorrelationId } from '@closeloop/observability';
import type { AuditEntryView } from '@closeloop/contracts';
import { AuditEntryEntity } from './entities/audit-entry.entity';

/** X2 actions. A published action name never changes meaning. */
export type AuditAction =
  | 'customer.unmasked-read'
  | 'customer.created'
  | 'customer.updated'
  | 'customer.merged'
  | 'customer.erased'
  | 'customers.imported'
  // X1: a search by contact or external id (`fields` holds the kind searched, never the value) and the
  // customers it returned; a refused one (over the user's limit) names none.
  | 'customers.contact-searched'
  | 'customers.contact-search-refused';

export interface AuditWrite {
  actor: string | null;
  action: AuditAction;
  customerId: string | null;
  /** Several customers in one row (a search that returned more than one). */
  customerIds?: string[] | null;
  fields: string[];
  reason: string | null;
}

export interface AuditFilter {
  customerId?: string;
  actor?: string;
  from?: Date;
  to?: Date;
  /** Rows strictly older than this (at, id), newest first. */
  before?: { at: Date; id: string };
  limit: number;
}

/** An audit row as written; `customerIds` may be a uuid[] literal built by the caller (see writeImportBatch). */
type AuditRow = Omit<AuditEntryEntity, 'customerIds'> & { customerIds: string[] | string | null };

const INSERT_ENTRY = new DeferredInsert<AuditRow>('intake.audit_log', {
  id: 'id',
  at: 'at',
  actor: 'actor',
  action: 'action',
  customerId: 'customer_id',
  customerIds: 'customer_ids',
  importId: 'import_id',
  fields: 'fields',
  reason: 'reason',
  correlationId: 'correlation_id',
});

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes one row inside the caller's transaction, so the audit commits (or fails) with the change. */
  async write(manager: EntityManager, entry: AuditWrite): Promise<void> {
    await insertRows(manager, INSERT_ENTRY, [
      {
        id: randomUUID(),
        // Millisecond precision, the same as the cursor's, so paging never skips or repeats a row.
        at: new Date(),
        actor: entry.actor,
        action: entry.action,
        customerId: entry.customerId,
        customerIds: entry.customerIds ?? null,
        importId: null,
        fields: entry.fields,
        reason: entry.reason,
        correlationId: currentCorrelationId() ?? null,
      },
    ]);
  }

  /**
   * X2 for a bulk import's batch: ONE row naming the import and every customer the batch created or added to
   * (`customer_ids`, GIN-indexed), in the batch's transaction. Ids and field names only (decision 0010).
   */
  async writeImportBatch(
    manager: EntityManager,
    entry: { actor: string | null; importId: string; customerIds: string[]; fields: string[] },
  ): Promise<void> {
    if (entry.customerIds.length === 0) return;
    await insertRows(manager, INSERT_ENTRY, [
      {
        id: randomUUID(),
        at: new Date(),
        actor: entry.actor,
        action: 'customers.imported',
        customerId: null,
        // One array literal built here, not one bound value per id: cheap even for 10,000 ids.
        customerIds: `{${entry.customerIds.join(',')}}`,
        importId: entry.importId,
        fields: entry.fields,
        reason: `import ${entry.importId}`,
        correlationId: currentCorrelationId() ?? null,
      },
    ]);
  }

  async list(filter: AuditFilter): Promise<AuditEntryView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.customerId) {
      // A customer's own rows, and the batch rows of imports that created or changed them (X2).
      const id = param(filter.customerId);
      where.push(`(customer_id = ${id} OR customer_ids @> ARRAY[${id}::uuid])`);
    }
    if (filter.actor) where.push(`actor = ${param(filter.actor)}`);
    if (filter.from) where.push(`at >= ${param(filter.from)}`);
    if (filter.to) where.push(`at < ${param(filter.to)}`);
    if (filter.before) {
      where.push(`(at, id) < (${param(filter.before.at)}::timestamptz, ${param(filter.before.id)}::uuid)`);
    }
    params.push(filter.limit);
    const rows: {
      id: string;
      at: Date;
      actor: string | null;
      action: string;
      customer_id: string | null;
      import_id: string | null;
      many: boolean;
      fields: string[];
      reason: string | null;
      correlation_id: string | null;
    }[] = await this.dataSource.query(
      `SELECT id, at, actor, action, customer_id, import_id, customer_ids IS NOT NULL AS many, fields, reason,
              correlation_id FROM intake.audit_log
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({
      id: row.id,
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      // A batch row names the customer asked for (its list of thousands is not part of the view).
      customerId: row.customer_id ?? (row.many && filter.customerId ? filter.customerId : null),
      fields: row.fields,
      reason: row.reason,
      correlationId: row.correlation_id,
    }));
  }
}
