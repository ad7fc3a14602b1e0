import { decodeKeyCursor, DomainError, encodeKeyCursor } from '@closeloop/contracts';
import type { TicketEntity } from './entities/ticket.entity';
import type { TicketCursor } from './ticket.repository';

/**
 * Ticket list cursors: the shared opaque key cursor (libs/contracts pagination) over the sort key of the
 * last row — `r|<receivedAt>|<id>` newest first, `d|<nextDueAt or ->|<id>` earliest due first. A cursor of
 * one order is refused for the other.
 */
export function encodeTicketCursor(sort: TicketCursor['sort'], last: TicketEntity): string {
  const at = sort === 'received' ? last.receivedAt.toISOString() : (last.nextDueAt?.toISOString() ?? '-');
  return encodeKeyCursor(`${sort === 'received' ? 'r' : 'd'}|${at}|${last.id}`);
}

const KEY = /^([rd])\|([^|]+)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function decodeTicketCursor(cursor: string, sort: TicketCursor['sort']): TicketCursor {
  const match = KEY.exec(decodeKeyCursor(cursor));
  if (match) {
    const [, order, at, id] = match;
    const instant = new Date(at);
    const valid = !Number.isNaN(instant.getTime());
    if (sort === 'received' && order === 'r' && valid) return { sort, receivedAt: instant, id };
    if (sort === 'due' && order === 'd' && (at === '-' || valid)) {
      return { sort, nextDueAt: at === '-' ? null : instant, id };
    }
  }
  throw new DomainError('VALIDATION_FAILED', undefined, [
    { field: 'cursor', message: 'is not a cursor this list gave out (for this sort)' },
  ]);
}
