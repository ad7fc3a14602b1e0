import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { TicketEvents, type TicketOpenedV1 } from '@closeloop/contracts';
import { FeedbackReconciliationRepository } from './feedback-reconciliation.repository';

/** Event edge: routing opened a feedback's ticket, so the feedback needs no reconciliation (issue 14). */
@Injectable()
export class FeedbackTicketHandler implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerRegistry,
    private readonly feedback: FeedbackReconciliationRepository,
  ) {}

  onModuleInit(): void {
    const opened: EventHandler<TicketOpenedV1> = {
      event: TicketEvents.opened,
      handle: (data, tx) => this.feedback.markTicketOpened(tx.manager, [data]),
      handleBatch: (events, tx) =>
        this.feedback.markTicketOpened(
          tx.manager,
          events.map((event) => event.data),
        ),
    };
    this.consumers.register('feedback-ticketed', [opened]);
  }
}
