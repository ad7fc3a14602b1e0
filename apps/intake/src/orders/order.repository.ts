import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { OrderView } from '@closeloop/contracts';

export interface OrderWrite {
  id: string;
  customerId: string;
  externalOrderId: string;
  amountFen: number;
  productLine: string | null;
  storeId: string | null;
  orderedAt: Date;
  deliveredAt: Date | null;
  installedAt: Date | null;
  createdBy: string | null;
}

interface OrderRow {
  id: string;
  customer_id: string;
  external_order_id: string;
  amount_fen: string;
  product_line: string | null;
  store_id: string | null;
  ordered_at: Date;
  delivered_at: Date | null;
  installed_at: Date | null;
  created_at: Date;
}

/** SQL of orders and of the order figures in customer_activity. */
@Injectable()
export class OrderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the orders whose external id is new; returns the ids of those inserted. */
  async insertNew(manager: EntityManager, orders: OrderWrite[]): Promise<string[]> {
    if (orders.length === 0) return [];
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO intake.orders (id, customer_id, external_order_id, amount_fen, product_line, store_id,
         ordered_at, delivered_at, installed_at, created_by)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::bigint[], $5::varchar[], $6::varchar[],
         $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::uuid[])
       ON CONFLICT (external_order_id) DO NOTHING RETURNING id`,
      [
        orders.map((o) => o.id),
        orders.map((o) => o.customerId),
        orders.map((o) => o.externalOrderId),
        orders.map((o) => o.amountFen),
        orders.map((o) => o.productLine),
        orders.map((o) => o.storeId),
        orders.map((o) => o.orderedAt),
        orders.map((o) => o.deliveredAt),
        orders.map((o) => o.installedAt),
        orders.map((o) => o.createdBy),
      ],
    );
    return rows.map((row) => row.id);
  }

  async byExternalIds(externalOrderIds: string[], manager?: EntityManager): Promise<OrderView[]> {
    const rows: OrderRow[] = await (manager ?? this.dataSource.manager).query(
      `SELECT * FROM intake.orders WHERE external_order_id = ANY($1::varchar[])`,
      [externalOrderIds],
    );
    return rows.map(toView);
  }

  /**
   * Adds inserted orders to their customers' figures (count, total, first/last order, last interaction),
   * set-based; the annual spend is refreshed from the orders by the segment service.
   */
  async addToActivity(manager: EntityManager, orderIds: string[]): Promise<string[]> {
    if (orderIds.length === 0) return [];
    const rows: { customer_id: string }[] = await manager.query(
      `INSERT INTO intake.customer_activity AS a (customer_id, orders_count, total_spend_fen, first_order_at,
         last_order_at, last_interaction_at)
       SELECT customer_id, count(*), sum(amount_fen), min(ordered_at), max(ordered_at), max(ordered_at)
       FROM intake.orders WHERE id = ANY($1::uuid[]) GROUP BY customer_id
       ON CONFLICT (customer_id) DO UPDATE SET
         orders_count = a.orders_count + EXCLUDED.orders_count,
         total_spend_fen = a.total_spend_fen + EXCLUDED.total_spend_fen,
         first_order_at = LEAST(a.first_order_at, EXCLUDED.first_order_at),
         last_order_at = GREATEST(a.last_order_at, EXCLUDED.last_order_at),
         last_interaction_at = GREATEST(a.last_interaction_at, EXCLUDED.last_interaction_at)
       RETURNING customer_id`,
      [orderIds],
    );
    return rows.map((row) => row.customer_id);
  }
}

export function toView(row: OrderRow): OrderView {
  return {
    id: row.id,
    customerId: row.customer_id,
    externalOrderId: row.external_order_id,
    amountFen: Number(row.amount_fen),
    productLine: row.product_line,
    storeId: row.store_id,
    orderedAt: row.ordered_at.toISOString(),
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    installedAt: row.installed_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
