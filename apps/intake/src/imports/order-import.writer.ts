import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { OrderRepository } from '../orders/order.repository';
import { OrderService } from '../orders/order.service';
import type { RowError } from './import-rows';
import { BatchRaceError, type BatchOutcome } from './customer-import.writer';
import type { PreparedOrder } from './order-rows';
import { hashBytes } from '../customers/keyed-hash';

/**
 * One batch of prepared order rows: each names its customer (external id, phone or e-mail, through the
 * keyed hash); orders whose external id is recorded already are unchanged (the same content) or refused
 * (other content), so a re-run changes nothing.
 */
@Injectable()
export class OrderImportWriter {
  constructor(
    private readonly orders: OrderRepository,
    private readonly service: OrderService,
  ) {}

  /**
   * `scope`: the importer's stores (storeScope; null: every store). An order naming a customer the
   * importer may not see (another store's) is refused as a row error, like one naming no customer.
   */
  async write(
    tx: Tx,
    rows: PreparedOrder[],
    actor: string | null,
    now: Date,
    scope: string[] | null,
  ): Promise<BatchOutcome> {
    const errors: RowError[] = [];
    const customers = await this.customers(tx, rows);
    const hidden = await this.lockCustomers(tx, customers, scope);
    const existing = new Map(
      (
        await this.orders.byExternalIds(
          rows.map((r) => r.externalOrderId),
          tx.manager,
        )
      ).map((o) => [o.externalOrderId, o]),
    );
    const fresh = new Map<string, PreparedOrder>();
    let unchanged = 0;
    const writes = [];
    for (const [i, row] of rows.entries()) {
      const customerId = customers[i];
      if (!customerId) {
        errors.push({
          line: row.line,
          field: 'customerExternalId',
          message: 'no customer has this external id, phone or e-mail',
        });
        continue;
      }
      if (hidden.has(customerId)) {
        errors.push({
          line: row.line,
          field: 'customerExternalId',
          message: 'the customer is outside your stores',
        });
        continue;
      }
      const stored = existing.get(row.externalOrderId) ?? (fresh.has(row.externalOrderId) ? null : undefined);
      if (stored !== undefined) {
        if (stored && stored.amountFen === row.amountFen && stored.orderedAt === row.orderedAt.toISOString())
          unchanged += 1;
        else
          errors.push({
            line: row.line,
            field: 'externalOrderId',
            message: 'this order was recorded with other content',
          });
        continue;
      }
      fresh.set(row.externalOrderId, row);
      writes.push({
        id: randomUUID(),
        customerId,
        externalOrderId: row.externalOrderId,
        amountFen: row.amountFen,
        productLine: row.productLine,
        storeId: row.storeId,
        orderedAt: row.orderedAt,
        deliveredAt: row.deliveredAt,
        installedAt: row.installedAt,
        createdBy: actor,
      });
    }
    const inserted = await this.service.record(tx, writes, now);
    return { created: inserted, updated: [], unchanged, errors };
  }

  /**
   * Locks the customers the rows name (FOR SHARE, in id order) until the batch commits, so none is erased
   * or merged under it, and returns those the importer may not see (X1). One erased or merged meanwhile (the
   * lookup raced it) is a race: the batch runs again and finds where the identifiers are now.
   */
  private async lockCustomers(
    tx: Tx,
    customers: (string | undefined)[],
    scope: string[] | null,
  ): Promise<Set<string>> {
    const hidden = new Set<string>();
    const ids = [...new Set(customers.filter((id): id is string => id !== undefined))];
    if (ids.length === 0) return hidden;
    const found: { id: string; store_id: string | null; live: boolean }[] = await tx.manager.query(
      `SELECT id, store_id, (erased_at IS NULL AND merged_into IS NULL) AS live FROM intake.customers
        WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
      [ids],
    );
    for (const row of found) {
      if (!row.live) throw new BatchRaceError('an order names an erased or merged customer');
      if (scope !== null && row.store_id !== null && !scope.includes(row.store_id)) hidden.add(row.id);
    }
    return hidden;
  }

  /** The live customer each row names (external id first, then phone, then e-mail), or undefined. */
  private async customers(tx: Tx, rows: PreparedOrder[]): Promise<(string | undefined)[]> {
    const found: { i: number; customer_id: string }[] = await tx.manager.query(
      `SELECT v.i, COALESCE(e.customer_id, p.customer_id, m.customer_id) AS customer_id
       FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::bytea[], $5::bytea[])
         AS v(i, source, external_id, phone_hash, email_hash)
       LEFT JOIN intake.customer_external_ids e ON e.source = v.source AND e.external_id = v.external_id
       LEFT JOIN intake.customer_contacts p ON p.kind = 'phone' AND p.value_hash = v.phone_hash
       LEFT JOIN intake.customer_contacts m ON m.kind = 'email' AND m.value_hash = v.email_hash`,
      [
        rows.map((_, i) => i),
        rows.map((r) => r.customer.externalId?.source ?? null),
        rows.map((r) => r.customer.externalId?.externalId ?? null),
        rows.map((r) => hashBytes(r.customer.phoneHash ?? null)),
        rows.map((r) => hashBytes(r.customer.emailHash ?? null)),
      ],
    );
    const result: (string | undefined)[] = [];
    for (const row of found) result[row.i] = row.customer_id ?? undefined;
    return result;
  }
}
