import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returnedRows } from '@closeloop/persistence';
import { REDACTED } from '../customers/customer.repository';

/** SQL of the retention purge (X1): each statement bounded, so no transaction grows with the backlog. */
@Injectable()
export class RetentionRepository {
  /** Redacts the free text of feedback received before `before`; returns how many rows it changed. */
  async redactFeedbackText(manager: EntityManager, before: Date, limit: number): Promise<number> {
    const rows = returnedRows(
      await manager.query(
        `UPDATE intake.feedback SET description = $2, customer_request = NULL
         WHERE id IN (SELECT id FROM intake.feedback WHERE received_at < $1 AND description <> $2 LIMIT $3)
         RETURNING id`,
        [before, REDACTED, limit],
      ),
    );
    return rows.length;
  }

  async deleteAudit(manager: EntityManager, before: Date, limit: number): Promise<number> {
    const rows = returnedRows(
      await manager.query(
        `DELETE FROM intake.audit_log WHERE id IN (SELECT id FROM intake.audit_log WHERE at < $1 LIMIT $2)
         RETURNING id`,
        [before, limit],
      ),
    );
    return rows.length;
  }

  /** Imports (their chunks and error reports go with them) finished or abandoned before `before`. */
  async deleteImports(manager: EntityManager, before: Date): Promise<number> {
    const rows = returnedRows(
      await manager.query(
        `DELETE FROM intake.imports WHERE created_at < $1 AND status <> 'running' RETURNING id`,
        [before],
      ),
    );
    return rows.length;
  }

  /** Live customers with no order, interaction or change since `before` (the oldest first). */
  async inactiveCustomers(manager: EntityManager, before: Date, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT c.id FROM intake.customers c LEFT JOIN intake.customer_activity a ON a.customer_id = c.id
       WHERE c.erased_at IS NULL AND c.merged_into IS NULL
         AND GREATEST(c.updated_at, a.last_interaction_at, a.last_order_at) < $1
       ORDER BY c.updated_at LIMIT $2`,
      [before, limit],
    );
    return rows.map((row) => row.id);
  }
}
