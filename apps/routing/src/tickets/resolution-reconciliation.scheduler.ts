import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxRelay, OutboxWriter } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { republishLostEvents, SERVICE_ENV } from '@closeloop/runtime';
import { ScheduledJob } from '@closeloop/scheduling';
import { TicketEvents } from '@closeloop/contracts';
import type { RoutingEnv } from '../routing.env';
import { resolutionEventId } from './resolution-event-id';
import {
  ResolutionReconciliationRepository,
  type UnseenResolution,
} from './resolution-reconciliation.repository';

const log = createLogger('resolution-reconciliation');
const BATCH = 500;

/**
 * Event reconciliation (issue 14): a resolved ticket still waiting for the customer whose `ticket.resolved.v1`
 * (R6: the confirmation request) routing has not seen on the stream within EVENT_RECONCILE_DELAY_SECONDS has
 * it published again, rebuilt from the ticket and its history under its original (derived) id.
 */
@Injectable()
export class ResolutionReconciliationScheduler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly resolutions: ResolutionReconciliationRepository,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
    @Inject(SERVICE_ENV) private readonly env: RoutingEnv,
  ) {}

  /** Every HOUSEKEEPING_INTERVAL_SECONDS, once across replicas: how many events were published again. */
  @ScheduledJob('resolution-reconciliation', {
    every: (env: RoutingEnv) => env.HOUSEKEEPING_INTERVAL_SECONDS * 1000,
  })
  async reconcile(): Promise<number> {
    const total = await republishLostEvents(this.dataSource, this.outbox, this.relay, BATCH, {
      lock: (manager, limit) =>
        this.resolutions.unseen(manager, this.env.EVENT_RECONCILE_DELAY_SECONDS, limit),
      event: (row) => this.event(row),
      markRepublished: (manager, rows) => this.resolutions.markRepublished(manager, rows),
    });
    if (total > 0) {
      log.warn(
        { republished: total },
        'resolutions never seen on the stream: ticket.resolved.v1 published again',
      );
    }
    return total;
  }

  private event(row: UnseenResolution) {
    return this.outbox.event(
      TicketEvents.resolved,
      {
        ticketId: row.id,
        ticketNo: row.ticket_no,
        customerId: row.customer_id,
        status: 'resolved',
        actorId: row.actor,
        ...(row.met === null ? {} : { met: row.met }),
        autoCloseAt: row.auto_close_at.toISOString(),
        resolvedAt: row.resolved_at.toISOString(),
      },
      { id: resolutionEventId(row.id, row.resolved_at), time: row.resolved_at },
    );
  }
}
