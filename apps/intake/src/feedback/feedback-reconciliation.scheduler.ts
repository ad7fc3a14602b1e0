import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxWriter } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { republishLostEvents, SERVICE_ENV } from '@closeloop/runtime';
import { ScheduledJob } from '@closeloop/scheduling';
import { FeedbackEvents } from '@closeloop/contracts';
import type { IntakeEnv } from '../intake.env';
import {
  FeedbackReconciliationRepository,
  type FeedbackWithoutTicket,
} from './feedback-reconciliation.repository';
import { feedbackReceived } from './feedback.writer';

const log = createLogger('feedback-reconciliation');
const BATCH = 500;

/**
 * Event reconciliation (issue 14): a feedback whose ticket routing has not reported (ticket.opened.v1) within
 * EVENT_RECONCILE_DELAY_SECONDS has its `feedback.received.v1` published again, rebuilt from the stored
 * feedback under its original id (the feedback's id), so an event the broker lost (a crash beyond the
 * republish window, a lost store) still opens its ticket, and one that did arrive is dropped as a duplicate
 * by the stream and by routing's inbox (and routing opens one ticket per feedback anyway).
 */
@Injectable()
export class FeedbackReconciliationScheduler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly feedback: FeedbackReconciliationRepository,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
    @Inject(SERVICE_ENV) private readonly env: IntakeEnv,
  ) {}

  /** Every HOUSEKEEPING_INTERVAL_SECONDS, once across replicas: how many events were published again. */
  @ScheduledJob('feedback-reconciliation', {
    every: (env: IntakeEnv) => env.HOUSEKEEPING_INTERVAL_SECONDS * 1000,
  })
  async reconcile(): Promise<number> {
    const total = await republishLostEvents(this.dataSource, this.outbox, this.relay, BATCH, {
      lock: (manager, limit) =>
        this.feedback.lockWithoutTicket(manager, this.env.EVENT_RECONCILE_DELAY_SECONDS, limit),
      event: (row) => this.event(row),
      markRepublished: (manager, rows) =>
        this.feedback.markRepublished(
          manager,
          rows.map((row) => row.id),
        ),
    });
    if (total > 0) {
      log.warn({ republished: total }, 'feedback without a ticket: feedback.received.v1 published again');
    }
    return total;
  }

  private event(row: FeedbackWithoutTicket) {
    return this.outbox.event(FeedbackEvents.received, feedbackReceived(row), {
      id: row.id,
      time: row.createdAt,
    });
  }
}
