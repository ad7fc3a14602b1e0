import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { BatchEvent } from '@closeloop/messaging';
import { EventContext, EventPattern } from '@closeloop/runtime';
import { TicketEvents, type TicketOpenedV1 } from '@closeloop/contracts';
import { FeedbackReconciliationRepository } from './feedback-reconciliation.repository';

/** Event edge: routing opened a feedback's ticket, so the feedback needs no reconciliation (issue 14). */
@Controller()
export class FeedbackTicketHandler {
  constructor(private readonly feedback: FeedbackReconciliationRepository) {}

  @EventPattern(TicketEvents.opened, { consumer: 'feedback-ticketed', batch: true })
  async opened(@Payload() events: BatchEvent<TicketOpenedV1>[], @Ctx() { tx }: EventContext): Promise<void> {
    await this.feedback.markTicketOpened(
      tx.manager,
      events.map((event) => event.data),
    );
  }
}
