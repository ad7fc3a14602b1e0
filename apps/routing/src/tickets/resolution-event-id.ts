import { createHash } from 'node:crypto';

/**
 * The id of a resolution's `ticket.resolved.v1`, derived from the ticket and the instant it was resolved:
 * the reconciliation publishes the event again under the same id (issue 14), so the stream and every
 * consumer's inbox drop it where it did arrive. A resolution is one per ticket and instant (a reopened
 * ticket resolved again has a new instant, so a new id). A name-based uuid (RFC 9562 version 8).
 */
export function resolutionEventId(ticketId: string, resolvedAt: Date): string {
  const hash = createHash('sha256')
    .update(`ticket.resolved.v1|${ticketId}|${resolvedAt.toISOString()}`)
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x80;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
