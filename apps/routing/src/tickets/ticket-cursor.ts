import { DomainError } from '@closeloop/contracts';
import type { TicketEntity } from './entities/ticket.entity';
import type { TicketCursor } from './ticket.repository';

/**
 * Opaque page cursors of the ticket list: base64url of the sort and the last row's sort key. Clients pass
 * them back unchanged; a cursor of one sort is refused for another.
 */
export function encodeTicketCursor(sort: TicketCursor['sort'], last: TicketEntity): string {
  const key =
    sort === 'received'
      ? { s: 'r', at: last.receivedAt.toISOString(), id: last.id }
      : { s: 'd', at: last.nextDueAt?.toISOString() ?? null, id: last.id };
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function decodeTicketCursor(cursor: string, sort: TicketCursor['sort']): TicketCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const key = value as { s?: unknown; at?: unknown; id?: unknown } | null;
  const at = typeof key?.at === 'string' ? new Date(key.at) : null;
  const validAt = at !== null && !Number.isNaN(at.getTime());
  if (key && typeof key.id === 'string' && UUID.test(key.id)) {
    if (sort === 'received' && key.s === 'r' && validAt) return { sort, receivedAt: at, id: key.id };
    if (sort === 'due' && key.s === 'd' && (key.at === null || validAt)) {
      return { sort, nextDueAt: validAt ? at : null, id: key.id };
    }
  }
  throw new DomainError('VALIDATION_FAILED', undefined, [
    { field: 'cursor', message: 'is not a cursor this list gave out (for this sort)' },
  ]);
}
