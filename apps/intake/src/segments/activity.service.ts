import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import type { TicketOpenedV1, TicketReclassifiedV1 } from '@closeloop/contracts';
import { ActivityRepository, type InteractionDelta } from './activity.repository';
import { SegmentService } from './segment.service';

/**
 * Keeps each customer's interaction figures from events (tickets, complaints, objections) and, when those
 * services exist, from surveys and callbacks (`recordInteraction` is their inbound path), then recomputes
 * the segment in the same transaction (G1). Events for an erased customer change nothing; events for a
 * merged id count for the survivor.
 */
@Injectable()
export class ActivityService {
  constructor(
    private readonly activity: ActivityRepository,
    private readonly segments: SegmentService,
  ) {}

  /**
   * I4: an agent changed the ticket's type; the complaints figure follows (the tickets figure stays).
   * Opened and reclassified events come through separate consumers, so a reclassification may be handled
   * before its ticket's opening: the stored figure is a plain sum of +1 and −1, right in any order once
   * both are handled, and may be −1 for those moments (readers show at least 0).
   */
  async reclassified(event: TicketReclassifiedV1, tx: Tx): Promise<void> {
    const isComplaint = (type: string) => (type === 'complaint' ? 1 : 0);
    const delta = isComplaint(event.type) - isComplaint(event.previous.type);
    if (!event.customerId || delta === 0) return;
    const live = await this.activity.liveCustomer(tx.manager, event.customerId);
    if (!live) return;
    await this.activity.adjustComplaints(tx.manager, live, delta);
  }

  /**
   * `ticket.opened.v1` events (a consumer batch): tickets and complaints counted per live customer, in three
   * statements for the batch (live ids, one upsert of the figures, one segment recompute).
   */
  async ticketsOpened(events: TicketOpenedV1[], tx: Tx): Promise<void> {
    const asked = [...new Set(events.flatMap((event) => (event.customerId ? [event.customerId] : [])))];
    if (asked.length === 0) return;
    const live = await this.activity.liveCustomers(tx.manager, asked);
    const figures = new Map<string, { customerId: string; tickets: number; complaints: number; at: Date }>();
    for (const event of events) {
      const customerId = event.customerId ? live.get(event.customerId) : undefined;
      if (!customerId) continue;
      const at = new Date(event.openedAt);
      const row = figures.get(customerId) ?? { customerId, tickets: 0, complaints: 0, at };
      row.tickets += 1;
      row.complaints += event.type === 'complaint' ? 1 : 0;
      if (at > row.at) row.at = at;
      figures.set(customerId, row);
    }
    if (figures.size === 0) return;
    await this.activity.addTickets(tx.manager, [...figures.values()]);
    await this.segments.recompute(tx, [...figures.keys()]);
  }

  /** An explicit objection to a resolution (R6): G1 churn risk. */
  async objected(tx: Tx, customerId: string | null, at: Date): Promise<void> {
    if (!customerId) return;
    await this.recordInteraction(tx, customerId, { at, objections: 1 });
  }

  /** The one entry point for every interaction: figures, then the segment, in the caller's transaction. */
  async recordInteraction(tx: Tx, customerId: string, delta: InteractionDelta): Promise<void> {
    const live = await this.activity.liveCustomer(tx.manager, customerId);
    if (!live) return;
    await this.activity.addInteraction(tx.manager, live, delta);
    await this.segments.recompute(tx, [live]);
  }
}
