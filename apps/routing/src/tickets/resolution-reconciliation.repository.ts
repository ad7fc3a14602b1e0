import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A resolved ticket whose `ticket.resolved.v1` was not seen on the stream, with what the event carried. */
export interface UnseenResolution {
  id: string;
  ticket_no: string;
  customer_id: string | null;
  resolved_at: Date;
  auto_close_at: Date;
  actor: string | null;
  met: boolean | null;
}

/** SQL of the resolution reconciliation (issue 14). */
@Injectable()
export class ResolutionReconciliationRepository {
  async markSeen(
    manager: EntityManager,
    seen: readonly { ticketId: string; resolvedAt: string }[],
  ): Promise<void> {
    await manager.query(
      `INSERT INTO routing.ticket_resolution_events (ticket_id, resolved_at, seen_at)
       SELECT id, at, now() FROM unnest($1::uuid[], $2::timestamptz[]) AS s(id, at)
       ON CONFLICT (ticket_id, resolved_at) DO UPDATE SET seen_at = COALESCE(
         routing.ticket_resolution_events.seen_at, EXCLUDED.seen_at)`,
      [seen.map((s) => s.ticketId), seen.map((s) => s.resolvedAt)],
    );
  }

  /**
   * Tickets resolved more than `delaySeconds` ago and still waiting for the customer, whose resolution event
   * routing never saw and did not republish within as long, oldest first. The `met` and the actor come from
   * the resolution's history entry (what the event carried).
   */
  async unseen(manager: EntityManager, delaySeconds: number, limit: number): Promise<UnseenResolution[]> {
    return manager.query(
      `SELECT t.id, t.ticket_no, t.customer_id, t.resolved_at, t.auto_close_at, h.actor,
              (h.data->>'met')::boolean AS met
       FROM routing.tickets t
       LEFT JOIN routing.ticket_resolution_events e ON e.ticket_id = t.id AND e.resolved_at = t.resolved_at
       LEFT JOIN LATERAL (
         SELECT actor, data FROM routing.ticket_history
         WHERE ticket_id = t.id AND action = 'resolved' ORDER BY at DESC LIMIT 1) h ON true
       WHERE t.status = 'resolved' AND t.auto_close_at IS NOT NULL
         AND t.resolved_at < now() - make_interval(secs => $1)
         AND e.seen_at IS NULL
         AND (e.republished_at IS NULL OR e.republished_at < now() - make_interval(secs => $1))
       ORDER BY t.resolved_at LIMIT $2`,
      [delaySeconds, limit],
    );
  }

  async markRepublished(manager: EntityManager, rows: readonly UnseenResolution[]): Promise<void> {
    await manager.query(
      `INSERT INTO routing.ticket_resolution_events (ticket_id, resolved_at, republished_at)
       SELECT id, at, now() FROM unnest($1::uuid[], $2::timestamptz[]) AS s(id, at)
       ON CONFLICT (ticket_id, resolved_at) DO UPDATE SET republished_at = now()`,
      [rows.map((r) => r.id), rows.map((r) => r.resolved_at)],
    );
  }
}
