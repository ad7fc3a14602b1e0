import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import {
  TicketEvents,
  type TicketObjectedV1,
  type TicketOpenedV1,
  type TicketReclassifiedV1,
} from '@closeloop/contracts';
import { ActivityService } from './activity.service';

/** Event edges of the customer figures: one durable consumer per event type (exact filter subjects). */
@Injectable()
export class ActivityHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly activity: ActivityService,
  ) {}

  onModuleInit(): void {
    const opened: EventHandler<TicketOpenedV1> = {
      event: TicketEvents.opened,
      handle: (data, tx) => this.activity.ticketOpened(data, tx),
      handleBatch: (events, tx) =>
        this.activity.ticketsOpened(
          events.map((event) => event.data),
          tx,
        ),
    };
    this.consumers.register('ticket-opened', [opened]);
    // R6 -> G1: an explicit objection to a resolution makes the customer a churn risk.
    const objected: EventHandler<TicketObjectedV1> = {
      event: TicketEvents.objected,
      handle: (data, tx) => this.activity.objected(tx, data.customerId, new Date(data.objectedAt)),
    };
    this.consumers.register('ticket-objected', [objected]);
    const reclassified: EventHandler<TicketReclassifiedV1> = {
      event: TicketEvents.reclassified,
      handle: (data, tx) => this.activity.reclassified(data, tx),
    };
    this.consumers.register('ticket-reclassified', [reclassified]);
  }
}
