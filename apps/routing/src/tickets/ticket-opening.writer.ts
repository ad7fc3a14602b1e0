import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { runWithContext } from '@closeloop/observability';
import type { NewTicket } from './ticket-opening';
import { TicketRepository } from './ticket.repository';

/** A ticket to open, with the correlation id of the request that sent its feedback (when known). */
export interface TicketOpening extends NewTicket {
  correlationId?: string;
}

/**
 * Writes the tickets of a consumer batch of received feedback in the caller's transaction.
 *
 * Guarantees: one multi-row insert for the whole batch; a feedback that has its ticket already (the event
 * delivered again) is skipped and changes nothing; `then` runs for each ticket inserted now, one after
 * another in batch order (they share the transaction), in the correlation context of the request that sent
 * its feedback, so its logs and events carry that id.
 *
 * The caller must not assume that every ticket given was opened, nor do anything per ticket outside `then`.
 */
@Injectable()
export class TicketOpeningWriter {
  constructor(private readonly tickets: TicketRepository) {}

  async open<T extends TicketOpening>(
    tx: Tx,
    openings: readonly T[],
    then: (opening: T) => Promise<void>,
  ): Promise<void> {
    const created = await this.tickets.insertNew(
      tx.manager,
      openings.map((opening) => opening.row),
    );
    for (const opening of openings) {
      if (!created.has(opening.row.id)) continue;
      const { correlationId } = opening;
      await (correlationId ? runWithContext({ correlationId }, () => then(opening)) : then(opening));
    }
  }
}
