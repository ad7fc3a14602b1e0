import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventHandler } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import { CustomerEvents, type CustomerErasedV1, type CustomerMergedV1 } from '@closeloop/contracts';

/**
 * Routing follows intake's customer record, each event in the consumer's transaction with its inbox row:
 * - I5 `customer.merged.v1`: the duplicate's tickets are re-pointed to the survivor (a new version of each
 *   ticket and a history row saying why); a redelivered event finds nothing left to move.
 * - X1 `customer.erased.v1`: routing holds customer ids, not contacts or names, but staff write free text on
 *   tickets (the plan, the resolution summary, a close reason, notes in the history) that may name the
 *   customer; on the erased customer's tickets it is redacted. Repeating it changes nothing more.
 */
@Injectable()
export class CustomerEventsHandler implements OnModuleInit {
  constructor(private readonly consumers: ConsumerRegistry) {}

  onModuleInit(): void {
    const merged: EventHandler<CustomerMergedV1> = {
      event: CustomerEvents.merged,
      handle: (data, tx) => repointTickets(tx.manager, data),
    };
    this.consumers.register('customer-merged', [merged]);
    const erased: EventHandler<CustomerErasedV1> = {
      event: CustomerEvents.erased,
      handle: (data, tx) => redactTickets(tx.manager, data.customerId),
    };
    this.consumers.register('customer-erased', [erased]);
  }
}

/** What redacted free text becomes (the same words as intake's). */
const REDACTED = '[erased on request]';
/** The keys of ticket history data that hold free text (the lifecycle's notes, plan, summary, reasons). */
const FREE_TEXT_KEYS = ['note', 'what', 'summary', 'reason'];

async function redactTickets(manager: EntityManager, customerId: string): Promise<void> {
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

async function repointTickets(manager: EntityManager, event: CustomerMergedV1): Promise<void> {
  await manager.query(
    `WITH moved AS (
       UPDATE routing.tickets SET customer_id = $2, version = version + 1, updated_at = now()
       WHERE customer_id = $1 RETURNING id)
     INSERT INTO routing.ticket_history (ticket_id, at, actor, action, data)
     SELECT id, $3, NULL, 'customer-merged', jsonb_build_object('from', $1::text, 'to', $2::text) FROM moved`,
    [event.mergedId, event.survivorId, new Date(event.mergedAt)],
  );
}
