import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { BatchEvent } from '@closeloop/messaging';
import { EventContext, EventPattern } from '@closeloop/runtime';
import { TicketEvents, type TicketResolvedV1 } from '@closeloop/contracts';
import { ResolutionReconciliationRepository } from './resolution-reconciliation.repository';

/**
 * Event edge: routing reads its own `ticket.resolved.v1` back from the stream, so it knows the confirmation
 * request (R6) reached the stream its readers consume; the reconciliation republishes those it never saw.
 */
@Controller()
export class ResolutionSeenHandler {
  constructor(private readonly resolutions: ResolutionReconciliationRepository) {}

  @EventPattern(TicketEvents.resolved, { consumer: 'ticket-resolved-seen', batch: true })
  async resolved(
    @Payload() events: BatchEvent<TicketResolvedV1>[],
    @Ctx() { tx }: EventContext,
  ): Promise<void> {
    await this.resolutions.markSeen(
      tx.manager,
      events.map((event) => event.data),
    );
  }
}
