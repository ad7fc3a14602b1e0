import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UnnestInsert } from '@closeloop/messaging';
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

/** Orders whose external id is new; the ids of those inserted come back. */
const INSERT_ORDERS = new UnnestInsert<OrderWrite, { id: string }>(
  'intake.orders',
  {
    id: ['id', 'uuid'],
    customerId: ['customer_id', 'uuid'],
    externalOrderId: ['external_order_id', 'varchar'],
    amountFen: ['amount_fen', 'bigint'],
    productLine: ['product_line', 'varchar'],
    storeId: ['store_id', 'varchar'],
    orderedAt: ['ordered_at', 'timestamptz'],
    deliveredAt: ['delivered_at', 'timestamptz'],
    installedAt: ['installed_at', 'timestamptz'],
    createdBy: ['created_by', 'uuid'],
  },
  'ON CONFLICT (external_order_id) DO NOTHING RETURNING id',
);

/** SQL of orders and of the order figures in customer_activity. */
@Injectable()
export class OrderRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the orders whose external id is new; returns the ids of those inserted. */
  async insertNew(manager: EntityManager, orders: OrderWrite[]): Promise<string[]> {
    const rows = await INSERT_ORDERS.run(manager, orders);
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
