import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { returnedRows } from '@closeloop/persistence';
import type { Segment } from '@closeloop/contracts';
import type { SegmentSettings } from '../settings/intake-settings';

export interface SegmentChange {
  customerId: string;
  previous: Segment | null;
  segment: Segment | null;
}

/**
 * G1 in SQL, so one customer (after an order or a ticket) and a million (the nightly pass) are classified by
 * the same statement. Precedence: churn risk (keep the customer) > high value > new > potential > none.
 * "Cooperating since" is the first order or, before any, the registration.
 */
const CLASSIFY = `
  WITH cut AS (SELECT spend_cut_fen FROM intake.segment_baseline WHERE id = 1),
  facts AS (
    SELECT c.id, c.segment AS previous, LEAST(c.created_at, a.first_order_at) AS since,
           COALESCE(a.annual_spend_fen, 0) AS annual, COALESCE(a.previous_year_spend_fen, 0) AS previous_year,
           a.last_order_at, a.last_interaction_at, a.satisfaction, a.last_objection_at
    FROM intake.customers c LEFT JOIN intake.customer_activity a ON a.customer_id = c.id
    WHERE c.id = ANY($1::uuid[]) AND c.erased_at IS NULL AND c.merged_into IS NULL
  ),
  computed AS (
    SELECT f.id, f.previous, CASE
      WHEN (f.since <= $2::timestamptz - make_interval(months => $5)
              AND GREATEST(f.since, f.last_interaction_at, f.last_order_at) < $2::timestamptz - make_interval(months => $5))
        OR f.satisfaction < $6
        OR f.last_objection_at >= $2::timestamptz - make_interval(days => $7)
        THEN 'churn_risk'
      WHEN (f.annual > 0 AND f.annual > (SELECT spend_cut_fen FROM cut))
        OR f.since < $2::timestamptz - make_interval(months => $4)
        THEN 'high_value'
      WHEN f.since > $2::timestamptz - make_interval(months => $3) THEN 'new'
      WHEN f.last_order_at >= $2::timestamptz - make_interval(days => $8)
        OR (f.previous_year > 0 AND f.annual >= f.previous_year * (1 + $9::numeric))
        OR f.satisfaction >= $10
        THEN 'potential'
      END AS segment
    FROM facts f
  )
  UPDATE intake.customers c SET segment = computed.segment, segment_since = $2
  FROM computed WHERE c.id = computed.id AND c.segment IS DISTINCT FROM computed.segment
  RETURNING c.id, computed.previous, c.segment`;

@Injectable()
export class SegmentRepository {
  /** Classifies these customers; returns the ones whose segment changed (each once: the update is the test). */
  async classify(
    manager: EntityManager,
    ids: string[],
    rules: SegmentSettings,
    now: Date,
  ): Promise<SegmentChange[]> {
    if (ids.length === 0) return [];
    const rows = returnedRows<{ id: string; previous: Segment | null; segment: Segment | null }>(
      await manager.query(CLASSIFY, [
        ids,
        now,
        rules.newCustomerMonths,
        rules.highValue.cooperationMonths,
        rules.churnRisk.inactiveMonths,
        rules.churnRisk.satisfactionBelow,
        rules.churnRisk.objectionWithinDays,
        rules.potential.recentOrderDays,
        rules.potential.spendGrowthShare,
        rules.potential.satisfactionAtLeast,
      ]),
    );
    return rows.map((row) => ({ customerId: row.id, previous: row.previous, segment: row.segment }));
  }

  /**
   * The annual spend above which a customer is in the top share (G1 high value): the (1 - share) quantile of
   * the customers with any spend, refreshed when older than `maxAgeSeconds` (or when forced). Customers
   * strictly above it are the top share; with ties at the cut, fewer.
   */
  async refreshSpendCut(
    manager: EntityManager,
    share: number,
    maxAgeSeconds: number,
    now: Date,
    force = false,
  ) {
    await manager.query(
      `INSERT INTO intake.segment_baseline (id, spend_cut_fen, customers_with_spend, computed_at)
       SELECT 1, percentile_disc($1::float8) WITHIN GROUP (ORDER BY annual_spend_fen), count(*), $2
       FROM intake.customer_activity WHERE annual_spend_fen > 0
       ON CONFLICT (id) DO UPDATE SET spend_cut_fen = EXCLUDED.spend_cut_fen,
         customers_with_spend = EXCLUDED.customers_with_spend, computed_at = EXCLUDED.computed_at
       WHERE $4 OR intake.segment_baseline.computed_at <= $2::timestamptz - make_interval(secs => $3)`,
      [1 - share, now, maxAgeSeconds, force],
    );
  }

  /** Whether the cut is older than allowed (cheap: one row), so most recomputes skip the scan. */
  async spendCutStale(manager: EntityManager, maxAgeSeconds: number, now: Date): Promise<boolean> {
    const rows: { stale: boolean }[] = await manager.query(
      `SELECT computed_at <= $1::timestamptz - make_interval(secs => $2) AS stale
       FROM intake.segment_baseline WHERE id = 1`,
      [now, maxAgeSeconds],
    );
    return rows[0]?.stale ?? true;
  }

  /**
   * Annual spend (orders of the last 12 months) and the 12 months before, from the orders, for these
   * customers (null: every customer, for the nightly pass: time moves orders out of the year).
   */
  async refreshSpend(manager: EntityManager, ids: string[] | null, now: Date): Promise<void> {
    await manager.query(
      `UPDATE intake.customer_activity a SET annual_spend_fen = s.annual, previous_year_spend_fen = s.previous
       FROM (
         SELECT a2.customer_id,
           COALESCE(sum(o.amount_fen) FILTER (WHERE o.ordered_at > $2::timestamptz - interval '12 months'), 0) AS annual,
           COALESCE(sum(o.amount_fen) FILTER (WHERE o.ordered_at <= $2::timestamptz - interval '12 months'
             AND o.ordered_at > $2::timestamptz - interval '24 months'), 0) AS previous
         FROM intake.customer_activity a2 LEFT JOIN intake.orders o ON o.customer_id = a2.customer_id
           AND o.ordered_at > $2::timestamptz - interval '24 months'
         WHERE $1::uuid[] IS NULL OR a2.customer_id = ANY($1::uuid[])
         GROUP BY a2.customer_id) s
       WHERE a.customer_id = s.customer_id
         AND (a.annual_spend_fen, a.previous_year_spend_fen) IS DISTINCT FROM (s.annual, s.previous)`,
      [ids, now],
    );
  }

  /** Live customer ids after `afterId`, by id: the nightly pass walks them in batches. */
  async liveIdsAfter(manager: EntityManager, afterId: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM intake.customers WHERE id > $1 AND erased_at IS NULL AND merged_into IS NULL
       ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((row) => row.id);
  }
}
