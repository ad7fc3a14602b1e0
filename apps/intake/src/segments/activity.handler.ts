import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { BatchEvent } from '@closeloop/messaging';
import { EventContext, EventPattern } from '@closeloop/runtime';
import {
  TicketEvents,
  type TicketObjectedV1,
  type TicketOpenedV1,
  type TicketReclassifiedV1,
} from '@closeloop/contracts';
import { ActivityService } from './activity.service';

/** Event edges of the customer figures: one durable consumer per event type (exact filter subjects). */
@Controller()
export class ActivityHandler {
  constructor(private readonly activity: ActivityService) {}

  /** One upsert of the figures and one segment recompute per batch (decision 0011). */
  @EventPattern(TicketEvents.opened, { consumer: 'ticket-opened', batch: true })
  async opened(@Payload() events: BatchEvent<TicketOpenedV1>[], @Ctx() { tx }: EventContext): Promise<void> {
    await this.activity.ticketsOpened(
      events.map((event) => event.data),
      tx,
    );
  }

  /** R6 -> G1: an explicit objection to a resolution makes the customer a churn risk. */
  @EventPattern(TicketEvents.objected, { consumer: 'ticket-objected' })
  async objected(@Payload() data: TicketObjectedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.activity.objected(tx, data.customerId, new Date(data.objectedAt));
  }

  @EventPattern(TicketEvents.reclassified, { consumer: 'ticket-reclassified' })
  async reclassified(@Payload() data: TicketReclassifiedV1, @Ctx() { tx }: EventContext): Promise<void> {
    await this.activity.reclassified(data, tx);
  }
}
