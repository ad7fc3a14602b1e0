import { DeferredInsert, type Tx } from '@closeloop/messaging';
import type { TicketHistoryEntity } from './entities/ticket-history.entity';

/**
 * A ticket's history is written by every feature that changes a ticket (tickets, dispatch, collaboration,
 * the SLA sweep), so it sits below them all: dispatch records an assignment here without depending on
 * the tickets folder, which depends on dispatch.
 */
const HISTORY = new DeferredInsert('routing.ticket_history', ['ticket_id', 'at', 'actor', 'action', 'data']);

/**
 * A history entry written with the transaction's other deferred rows just before its commit (one
 * multi-row insert for a consumer batch): for changes whose transaction does not read the history back.
 */
export function deferTicketHistory(tx: Tx, entry: Omit<TicketHistoryEntity, 'id'>): void {
  tx.deferInsert(HISTORY, [entry.ticketId, entry.at, entry.actor, entry.action, JSON.stringify(entry.data)]);
}
