import type { ValueTransformer } from 'typeorm';

/**
 * X1 keyed hashes (PiiCipher.lookupHash, HMAC-SHA256) are 64 hexadecimal characters in code (map keys, sets,
 * comparisons) and their 32 bytes in Postgres (`bytea`, decision 0016). These convert at the boundary:
 * a hash goes to a query as a Buffer (pg sends it as a binary bytea parameter), and a
 * query reads it back with `encode(column, 'hex')`; COPY text carries `\\x…` (customer-batch.ts).
 */
export function hashBytes(hex: string): Buffer;
export function hashBytes(hex: string | null): Buffer | null;
export function hashBytes(hex: string | null): Buffer | null {
  return hex === null ? null : Buffer.from(hex, 'hex');
}

/** Entity columns holding a keyed hash: hex in the entity, bytea in the table. */
export const HASH_COLUMN: ValueTransformer = {
  to: (hex: string | null | undefined) => (typeof hex === 'string' ? hashBytes(hex) : hex),
  from: (bytes: Buffer | null) => (bytes === null ? null : bytes.toString('hex')),
};
