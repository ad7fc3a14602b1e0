import type { EntityManager } from 'typeorm';
import { DeferredInsert, insertRows, UnnestInsert, type Tx } from '@closeloop/messaging';
import type { TicketHistoryEntity } from './entities/ticket-history.entity';

/**
 * A ticket's history is written by every feature that changes a ticket (tickets, dispatch, collaboration,
 * the SLA sweep), so it sits below them all: dispatch records an assignment here without depending on
 * the tickets folder, which depends on dispatch.
 */
/** A history entry as written (its id is the sequence's). */
export type TicketHistoryRow = Omit<TicketHistoryEntity, 'id'>;
const HISTORY = new DeferredInsert<TicketHistoryRow>('routing.ticket_history', {
  ticketId: 'ticket_id',
  at: 'at',
  actor: 'actor',
  action: 'action',
  data: { column: 'data', json: true },
});

/**
 * A history entry written with the transaction's other deferred rows just before its commit (one
 * multi-row insert for a consumer batch): for changes whose transaction does not read the history back.
 */
export function deferTicketHistory(tx: Tx, entry: TicketHistoryRow): void {
  tx.deferInsert(HISTORY, entry);
}

/** A history entry written at once, for changes whose transaction reads the history back. */
export async function insertTicketHistory(manager: EntityManager, entry: TicketHistoryRow): Promise<void> {
  await insertRows(manager, HISTORY, [entry]);
}

/** An entry the platform writes (no actor), at the instant of its pass. */
export type PlatformHistoryRow = Pick<TicketHistoryRow, 'ticketId' | 'action' | 'data'>;
const PLATFORM_HISTORY = new UnnestInsert<PlatformHistoryRow & Pick<TicketHistoryRow, 'at' | 'actor'>>(
  'routing.ticket_history',
  {
    ticketId: ['ticket_id', 'uuid'],
    at: ['at', 'timestamptz'],
    actor: ['actor', 'uuid'],
    action: ['action', 'varchar'],
    data: ['data', 'jsonb', 'json'],
  },
);

/** A batch's platform entries (the SLA sweep's), one statement whatever its size (nothing for none). */
export async function insertPlatformHistory(
  manager: EntityManager,
  rows: readonly PlatformHistoryRow[],
  at: Date,
): Promise<void> {
  await PLATFORM_HISTORY.run(
    manager,
    rows.map((row) => ({ ...row, at, actor: null })),
  );
}
