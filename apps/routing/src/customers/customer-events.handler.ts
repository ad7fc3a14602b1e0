import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { EventContext, EventPattern } from '@closeloop/runtime';
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
@Controller()
export class CustomerEventsHandler {
  constructor(private readonly tickets: CustomerFollowRepository) {}

  @EventPattern(CustomerEvents.merged, { consumer: 'customer-merged' })
  async merged(@Payload() data: CustomerMergedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.tickets.repoint(tx.manager, data);
  }

  @EventPattern(CustomerEvents.erased, { consumer: 'customer-erased' })
  async erased(@Payload() data: CustomerErasedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.tickets.redact(tx.manager, data.customerId);
  }
}
