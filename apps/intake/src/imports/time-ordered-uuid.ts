import { randomFillSync } from 'node:crypto';

let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids of imported customers
 * and contacts are time-ordered so that the primary keys and the customer-id indexes they go into grow at
 * their right edge instead of touching a random page of a million-entry index per row (decision 0010;
 * a random v4 id cost most of the import's Postgres time). The id reveals when the record was created,
 * which `created_at` holds anyway; nothing personal.
 */
export function timeOrderedUuid(now = Date.now()): string {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(16 * 4096));
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, randomOffset + 16);
  randomOffset += 16;
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
