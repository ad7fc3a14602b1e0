import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { CustomerEvents, type CustomerErasedV1, type CustomerMergedV1 } from '@closeloop/contracts';
import { CustomerFollowRepository } from './customer-follow.repository';

/**
 * Routing follows intake's customer record, each event in the consumer's transaction with its inbox row:
 * - I5 `customer.merged.v1`: the duplicate's tickets are re-pointed to the survivor (a new version of each
 *   ticket and a history row saying why); a redelivered event finds nothing left to move.
 * - X1 `customer.erased.v1`: routing holds customer ids, not contacts or names, but staff write free text on
 *   tickets (the plan, the resolution summary, a close reason, notes in the history) that may name the
 *   customer; on the erased customer's tickets it is redacted. Repeating it changes nothing more.
 */
@Injectable()
export class CustomerEventsHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly tickets: CustomerFollowRepository,
  ) {}

  onModuleInit(): void {
    const merged: EventHandler<CustomerMergedV1> = {
      event: CustomerEvents.merged,
      handle: (data, tx) => this.tickets.repoint(tx.manager, data),
    };
    this.consumers.register('customer-merged', [merged]);
    const erased: EventHandler<CustomerErasedV1> = {
      event: CustomerEvents.erased,
      handle: (data, tx) => this.tickets.redact(tx.manager, data.customerId),
    };
    this.consumers.register('customer-erased', [erased]);
  }
}
