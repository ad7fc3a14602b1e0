import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CustomerMergedV1 } from '@closeloop/contracts';

/** What redacted free text becomes (the same words as intake's). */
const REDACTED = '[erased on request]';
/** The keys of ticket history data that hold free text (the lifecycle's notes, plan, summary, reasons). */
const FREE_TEXT_KEYS = ['note', 'what', 'summary', 'reason'];

/** SQL of routing following intake's customer record (CustomerEventsHandler): merges and erasures. */
@Injectable()
export class CustomerFollowRepository {
  /** X1: the erased customer's free text on tickets and in their history becomes REDACTED. */
  async redact(manager: EntityManager, customerId: string): Promise<void> {
    await manager.query(
      `UPDATE routing.tickets SET plan_what = CASE WHEN plan_what IS NULL THEN NULL ELSE $2 END,
       resolution_summary = CASE WHEN resolution_summary IS NULL THEN NULL ELSE $2 END,
       close_reason = CASE WHEN close_reason IS NULL THEN NULL ELSE $2 END,
       version = version + 1, updated_at = now()
     WHERE customer_id = $1
       AND (plan_what <> $2 OR resolution_summary <> $2 OR close_reason <> $2)`,
      [customerId, REDACTED],
    );
    await manager.query(
      `UPDATE routing.ticket_history h SET data = (
       SELECT jsonb_object_agg(key, CASE WHEN key = ANY($3) AND jsonb_typeof(value) = 'string'
                                         THEN to_jsonb($2::text) ELSE value END)
       FROM jsonb_each(h.data))
     WHERE h.ticket_id IN (SELECT id FROM routing.tickets WHERE customer_id = $1) AND h.data ?| $3`,
      [customerId, REDACTED, FREE_TEXT_KEYS],
    );
  }

  /** I5: the duplicate's tickets move to the survivor, each with a history row saying why. */
  async repoint(manager: EntityManager, event: CustomerMergedV1): Promise<void> {
    await manager.query(
      `WITH moved AS (
       UPDATE routing.tickets SET customer_id = $2, version = version + 1, updated_at = now()
       WHERE customer_id = $1 RETURNING id)
     INSERT INTO routing.ticket_history (ticket_id, at, actor, action, data)
     SELECT id, $3, NULL, 'customer-merged', jsonb_build_object('from', $1::text, 'to', $2::text) FROM moved`,
      [event.mergedId, event.survivorId, new Date(event.mergedAt)],
    );
  }
}
