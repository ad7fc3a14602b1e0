import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ReceivedFields } from './feedback.writer';

/** What `feedback.received.v1` is rebuilt from: the stored feedback and its customer's current segment. */
export type FeedbackWithoutTicket = ReceivedFields & { createdAt: Date };

/** SQL of the feedback-to-ticket reconciliation (issue 14): which feedback has its ticket, which not. */
@Injectable()
export class FeedbackReconciliationRepository {
  async markTicketOpened(
    manager: EntityManager,
    opened: readonly { feedbackId: string; openedAt: string }[],
  ): Promise<void> {
    await manager.query(
      `UPDATE intake.feedback AS f SET ticket_opened_at = o.opened_at
       FROM unnest($1::uuid[], $2::timestamptz[]) AS o(id, opened_at)
       WHERE f.id = o.id AND f.ticket_opened_at IS NULL`,
      [opened.map((o) => o.feedbackId), opened.map((o) => o.openedAt)],
    );
  }

  /**
   * Feedback stored more than `delaySeconds` ago with no ticket known, not republished within as long,
   * oldest first, locked (SKIP LOCKED) for the caller's transaction.
   */
  async lockWithoutTicket(
    manager: EntityManager,
    delaySeconds: number,
    limit: number,
  ): Promise<FeedbackWithoutTicket[]> {
    return manager.query(
      `SELECT f.id, f.ticket_no AS "ticketNo", f.customer_id AS "customerId", f.channel, f.type, f.category,
              f.level, f.emotion, f.received_at AS "receivedAt", f.expected_by AS "expectedBy",
              f.store_id AS "storeId", c.segment, f.created_at AS "createdAt"
       FROM intake.feedback f LEFT JOIN intake.customers c ON c.id = f.customer_id
       WHERE f.ticket_opened_at IS NULL AND f.created_at < now() - make_interval(secs => $1)
         AND (f.republished_at IS NULL OR f.republished_at < now() - make_interval(secs => $1))
       ORDER BY f.created_at LIMIT $2 FOR UPDATE OF f SKIP LOCKED`,
      [delaySeconds, limit],
    );
  }

  async markRepublished(manager: EntityManager, ids: readonly string[]): Promise<void> {
    await manager.query(`UPDATE intake.feedback SET republished_at = now() WHERE id = ANY($1::uuid[])`, [
      ids,
    ]);
  }
}
