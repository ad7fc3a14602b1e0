import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  OrderEvents,
  type CreateOrderDto,
  type CreateOrderRequest,
  type OrderReply,
  type OrderView,
} from '@closeloop/contracts';
import { requireRole, requireStoreInScope, WRITE_ROLES } from '../customers/customer-access';
import { CustomerRepository } from '../customers/customer.repository';
import { CustomersService } from '../customers/customers.service';
import { SegmentService } from '../segments/segment.service';
import { OrderRepository, type OrderWrite } from './order.repository';

const log = createLogger('orders');

/**
 * Orders (G1 inputs: annual spend, cooperation length). Idempotent by the external order id: the same order
 * again changes nothing and answers with the first; the same id with other content is a 409. The order,
 * the customer's figures, a segment change and `order.recorded.v1` commit together.
 */
@Injectable()
export class OrderService {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly orders: OrderRepository,
    private readonly customers: CustomerRepository,
    private readonly reader: CustomersService,
    private readonly segments: SegmentService,
  ) {}

  async create(request: CreateOrderRequest): Promise<OrderReply> {
    const { caller, order: input } = request;
    requireRole(caller, WRITE_ROLES);
    requireStoreInScope(caller, input.storeId, 'storeId');
    const customerId = await this.customers.resolve(input.customerId);
    this.reader.requireVisible(caller, await this.customers.load(customerId));
    const earlier = await this.replayable(input, customerId);
    if (earlier) return earlier;
    const order = toWrite(input, customerId, caller.userId);
    const inserted = await this.unitOfWork.run((tx) => this.record(tx, [order]));
    if (inserted.length === 0) {
      // A concurrent request with the same external id won.
      const winner = await this.replayable(input, customerId);
      if (winner) return winner;
    }
    log.info({ orderId: order.id, customerId }, 'order recorded');
    const [view] = await this.orders.byExternalIds([input.externalOrderId]);
    return { order: view, replayed: false };
  }

  /**
   * Records orders inside the caller's transaction (API and import): new external ids only; the customers'
   * figures and segments follow, and `order.recorded.v1` for each inserted order. Returns the inserted ids.
   */
  async record(tx: Tx, orders: OrderWrite[], now = new Date()): Promise<string[]> {
    const inserted = new Set(await this.orders.insertNew(tx.manager, orders));
    const customerIds = await this.orders.addToActivity(tx.manager, [...inserted]);
    await this.segments.spendChanged(tx, customerIds, now);
    // Buffered by the transaction and written with its other events in multi-row inserts at commit.
    for (const order of orders.filter((o) => inserted.has(o.id))) {
      await tx.publish(OrderEvents.recorded, {
        orderId: order.id,
        customerId: order.customerId,
        amountFen: order.amountFen,
        productLine: order.productLine ?? undefined,
        storeId: order.storeId ?? undefined,
        orderedAt: order.orderedAt.toISOString(),
        deliveredAt: order.deliveredAt?.toISOString(),
        installedAt: order.installedAt?.toISOString(),
      });
    }
    return [...inserted];
  }

  /** The stored order with this external id: the same content is a replay, other content a 409. */
  private async replayable(input: CreateOrderDto, customerId: string): Promise<OrderReply | null> {
    const [existing] = await this.orders.byExternalIds([input.externalOrderId]);
    if (!existing) return null;
    if (!sameOrder(existing, input, customerId)) {
      throw new DomainError(
        'ORDER.EXTERNAL_ID_TAKEN',
        `order ${input.externalOrderId} was recorded with other content (order ${existing.id})`,
      );
    }
    return { order: existing, replayed: true };
  }
}

export function toWrite(input: CreateOrderDto, customerId: string, createdBy: string | null): OrderWrite {
  return {
    id: randomUUID(),
    customerId,
    externalOrderId: input.externalOrderId,
    amountFen: input.amountFen,
    productLine: input.productLine ?? null,
    storeId: input.storeId ?? null,
    orderedAt: new Date(input.orderedAt),
    deliveredAt: input.deliveredAt ? new Date(input.deliveredAt) : null,
    installedAt: input.installedAt ? new Date(input.installedAt) : null,
    createdBy,
  };
}

function sameOrder(stored: OrderView, input: CreateOrderDto, customerId: string): boolean {
  const instant = (value: string | undefined) => (value ? new Date(value).toISOString() : null);
  return (
    stored.customerId === customerId &&
    stored.amountFen === input.amountFen &&
    stored.productLine === (input.productLine ?? null) &&
    stored.storeId === (input.storeId ?? null) &&
    stored.orderedAt === instant(input.orderedAt) &&
    stored.deliveredAt === instant(input.deliveredAt) &&
    stored.installedAt === instant(input.installedAt)
  );
}
