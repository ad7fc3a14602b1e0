import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConsentPurpose, DuplicateCandidateView } from '@closeloop/contracts';
import { ALL_CONSENT_COLUMNS, anyConsentTaken, consentAssignments, consentColumns } from './consent-columns';

/** SQL of duplicate detection and merging (I5). */
@Injectable()
export class CustomerMergeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Live customers that look like the same person or company, with the reasons. */
  async candidates(id: string): Promise<DuplicateCandidateView[]> {
    const rows: { id: string; reasons: DuplicateCandidateView['reasons'] }[] = await this.dataSource.query(
      `WITH me AS (SELECT * FROM intake.customers WHERE id = $1),
       found AS (
         SELECT c.id, 'same_name_and_store' AS reason FROM intake.customers c, me
         WHERE me.name_hash IS NOT NULL AND me.store_id IS NOT NULL
           AND c.name_hash = me.name_hash AND c.store_id = me.store_id
         UNION ALL
         SELECT c.id, 'same_id_number' FROM intake.customers c, me
         WHERE me.id_number_hash IS NOT NULL AND c.id_number_hash = me.id_number_hash
         UNION ALL
         SELECT other.customer_id, 'same_external_id' FROM intake.customer_external_ids mine
         JOIN intake.customer_external_ids other
           ON other.external_id = mine.external_id AND other.source <> mine.source
         WHERE mine.customer_id = $1)
       SELECT f.id, array_agg(DISTINCT f.reason ORDER BY f.reason) AS reasons
       FROM found f JOIN intake.customers c ON c.id = f.id
       WHERE f.id <> $1 AND c.erased_at IS NULL AND c.merged_into IS NULL
       GROUP BY f.id ORDER BY f.id LIMIT 50`,
      [id],
    );
    return rows.map((row) => ({ id: row.id, reasons: row.reasons }));
  }

  async mergedAt(manager: EntityManager, id: string): Promise<Date> {
    const rows: { merged_at: Date }[] = await manager.query(
      `SELECT merged_at FROM intake.customers WHERE id = $1`,
      [id],
    );
    return rows[0].merged_at;
  }

  /**
   * Moves everything of `from` to `to` (both rows locked by the caller): contacts, external ids, orders,
   * feedback, consents (the later answer per purpose wins), figures (summed; latest dates and satisfaction),
   * the personal fields the survivor lacks (`adopted`: the duplicate's ciphertexts encrypted again for the
   * survivor's row, null where the survivor keeps its own). Contacts move as rows, keeping their ids, so
   * their ciphertexts (bound to the contact's id, decision 0017) stay valid. `from` keeps no personal data
   * and points at `to`.
   */
  async move(
    manager: EntityManager,
    from: string,
    to: string,
    at: Date,
    adopted: { nameEnc: string | null; idNumberEnc: string | null },
  ): Promise<void> {
    for (const table of ['customer_contacts', 'customer_external_ids', 'orders', 'feedback']) {
      await manager.query(`UPDATE intake.${table} SET customer_id = $2 WHERE customer_id = $1`, [from, to]);
    }
    // Consents: per purpose, the later answer of the two wins; the duplicate keeps none.
    const takes = (purpose: ConsentPurpose) => {
      const at = consentColumns(purpose).givenAt;
      return `d.${at} IS NOT NULL AND (s.${at} IS NULL OR s.${at} < d.${at})`;
    };
    await manager.query(
      `UPDATE intake.customers s SET ${consentAssignments('s', 'd', takes)}
       FROM intake.customers d WHERE s.id = $2 AND d.id = $1 AND ${anyConsentTaken(takes)}`,
      [from, to],
    );
    await manager.query(
      `UPDATE intake.customers SET ${ALL_CONSENT_COLUMNS.map((column) => `${column} = NULL`).join(', ')}
       WHERE id = $1`,
      [from],
    );
    await manager.query(
      `INSERT INTO intake.customer_activity AS a (customer_id, orders_count, total_spend_fen, first_order_at,
         last_order_at, tickets_count, complaints_count, objections_count, last_objection_at, satisfaction,
         satisfaction_at, callbacks_count, last_interaction_at)
       SELECT $2, orders_count, total_spend_fen, first_order_at, last_order_at, tickets_count, complaints_count,
         objections_count, last_objection_at, satisfaction, satisfaction_at, callbacks_count, last_interaction_at
       FROM intake.customer_activity WHERE customer_id = $1
       ON CONFLICT (customer_id) DO UPDATE SET
         orders_count = a.orders_count + EXCLUDED.orders_count,
         total_spend_fen = a.total_spend_fen + EXCLUDED.total_spend_fen,
         first_order_at = LEAST(a.first_order_at, EXCLUDED.first_order_at),
         last_order_at = GREATEST(a.last_order_at, EXCLUDED.last_order_at),
         tickets_count = a.tickets_count + EXCLUDED.tickets_count,
         complaints_count = a.complaints_count + EXCLUDED.complaints_count,
         objections_count = a.objections_count + EXCLUDED.objections_count,
         last_objection_at = GREATEST(a.last_objection_at, EXCLUDED.last_objection_at),
         satisfaction = CASE WHEN EXCLUDED.satisfaction_at > COALESCE(a.satisfaction_at, '-infinity')
                             THEN EXCLUDED.satisfaction ELSE a.satisfaction END,
         satisfaction_at = GREATEST(a.satisfaction_at, EXCLUDED.satisfaction_at),
         callbacks_count = a.callbacks_count + EXCLUDED.callbacks_count,
         last_interaction_at = GREATEST(a.last_interaction_at, EXCLUDED.last_interaction_at)`,
      [from, to],
    );
    await manager.query(`DELETE FROM intake.customer_activity WHERE customer_id = $1`, [from]);
    // The survivor keeps its own values and takes the duplicate's where it has none; it registered first
    // of the two, so the cooperation is counted from the earlier registration.
    await manager.query(
      `UPDATE intake.customers s SET
         name_enc = COALESCE(s.name_enc, $4), name_hash = COALESCE(s.name_hash, d.name_hash),
         id_number_enc = COALESCE(s.id_number_enc, $5),
         id_number_hash = COALESCE(s.id_number_hash, d.id_number_hash),
         store_id = COALESCE(s.store_id, d.store_id),
         account_manager_id = COALESCE(s.account_manager_id, d.account_manager_id),
         created_at = LEAST(s.created_at, d.created_at), version = s.version + 1, updated_at = $3
       FROM intake.customers d WHERE s.id = $2 AND d.id = $1`,
      [from, to, at, adopted.nameEnc, adopted.idNumberEnc],
    );
    await manager.query(
      `UPDATE intake.customers SET merged_into = $2, merged_at = $3, name_enc = NULL, name_hash = NULL,
         id_number_enc = NULL, id_number_hash = NULL, segment = NULL, version = version + 1, updated_at = $3
       WHERE id = $1`,
      [from, to, at],
    );
  }
}
