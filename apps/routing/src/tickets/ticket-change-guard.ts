import type { EntityManager } from 'typeorm';
import { DomainError, hasRole, ifMatchHolds, ticketEtag, type Caller, type Role } from '@closeloop/contracts';
import type { TicketEntity } from './entities/ticket.entity';
import { mayAct, maySee } from './ticket-access';
import type { TicketRepository } from './ticket.repository';

/** A staff change to one ticket, against the version the caller read. */
export interface TicketChangeRequest {
  caller: Caller;
  ticketNo: string;
  /** The client's If-Match as sent. */
  ifMatch?: string;
}

/** Before any transaction: a change needs If-Match (428 without). */
export function requireIfMatch({ ticketNo, ifMatch }: TicketChangeRequest): string {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new DomainError('PRECONDITION_REQUIRED', `send If-Match with the ETag of GET /tickets/${ticketNo}`);
  }
  return ifMatch;
}

/**
 * The ticket a staff change applies to, locked until the transaction ends (changes to one ticket happen one
 * after another): one the caller may not see answers like a missing one (404, another department's ticket
 * is not disclosed); one they may see but not change, or without one of `roles`, is 403; a stale If-Match
 * is 412.
 */
export async function lockForChange(
  tickets: TicketRepository,
  manager: EntityManager,
  request: TicketChangeRequest,
  forbidden: { roles?: Role[]; message: string },
): Promise<TicketEntity> {
  const { caller, ticketNo } = request;
  const ifMatch = requireIfMatch(request);
  const ticket = await tickets.lockByNumber(manager, ticketNo);
  if (!ticket || !maySee(caller, ticket)) throw new DomainError('TICKET.NOT_FOUND', `no ticket ${ticketNo}`);
  if (!mayAct(caller, ticket) || (forbidden.roles && !hasRole(caller, ...forbidden.roles))) {
    throw new DomainError('FORBIDDEN', forbidden.message);
  }
  const etag = ticketEtag(ticket.version);
  if (!ifMatchHolds(ifMatch, etag)) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `ticket ${ticketNo} is now at ${etag}: GET it again and redo the change`,
    );
  }
  return ticket;
}
