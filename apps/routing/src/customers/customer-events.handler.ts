import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { CustomerEvents, type CustomerMergedV1 } from '@closeloop/contracts';

/**
 * I5: when intake merges a duplicate customer, routing re-points the duplicate's tickets to the survivor
 * (a new version of each ticket, and a history row saying why), in the consumer's transaction with its inbox
 * row: a redelivered event finds nothing left to move. Routing holds customer ids only (no names or
 * contacts), so `customer.erased.v1` needs nothing here (docs/privacy.md).
 */
@Injectable()
export class CustomerEventsHandler implements OnModuleInit {
  constructor(private readonly consumers: ConsumerRegistry) {}

  onModuleInit(): void {
    const merged: EventHandler<CustomerMergedV1> = {
      event: CustomerEvents.merged,
      handle: (data, tx) => repointTickets(tx.manager, data),
    };
    this.consumers.register('customer-merged', [merged]);
  }
}

async function repointTickets(manager: EntityManager, event: CustomerMergedV1): Promise<void> {
  await manager.query(
    `WITH moved AS (
       UPDATE routing.tickets SET customer_id = $2, version = version + 1, updated_at = now()
       WHERE customer_id = $1 RETURNING id)
     INSERT INTO routing.ticket_history (ticket_id, at, actor, action, data)
     SELECT id, $3, NULL, 'customer-merged', jsonb_build_object('from', $1::text, 'to', $2::text) FROM moved`,
    [event.mergedId, event.survivorId, new Date(event.mergedAt)],
  );
}
