import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { TicketEvents, type TicketResolvedV1 } from '@closeloop/contracts';
import { ResolutionReconciliationRepository } from './resolution-reconciliation.repository';

/**
 * Event edge: routing reads its own `ticket.resolved.v1` back from the stream, so it knows the confirmation
 * request (R6) reached the stream its readers consume; the reconciliation republishes those it never saw.
 */
@Injectable()
export class ResolutionSeenHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly resolutions: ResolutionReconciliationRepository,
  ) {}

  onModuleInit(): void {
    const resolved: EventHandler<TicketResolvedV1> = {
      event: TicketEvents.resolved,
      handle: (data, tx) => this.resolutions.markSeen(tx.manager, [data]),
      handleBatch: (events, tx) =>
        this.resolutions.markSeen(
          tx.manager,
          events.map((event) => event.data),
        ),
    };
    this.consumers.register('ticket-resolved-seen', [resolved]);
  }
}
