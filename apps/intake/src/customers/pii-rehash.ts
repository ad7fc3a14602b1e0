import type { DataSource } from 'typeorm';
import { normaliseName } from './contact-normalizer';
import type { PiiCipher } from './pii-cipher';
import { hashBytes } from './keyed-hash';
import { setColumnByIds, walkLocked } from './pii-walk';

export interface RehashProgress {
  table: string;
  rehashed: number;
}

/** A keyed hash whose value is neither the current key's nor the next key's hash of the stored value. */
export class UnknownHashError extends Error {
  override readonly name = 'UnknownHashError';
}

/**
 * The keyed hashes and how each is recomputed from its decrypted value: the same scoping strings and
 * normalisation as when it was written (contacts: kind and normalised value; names: normaliseName).
 */
const TARGETS = [
  {
    label: 'customer_contacts',
    table: 'customer_contacts',
    hash: 'value_hash',
    enc: 'value_enc',
    place: 'customer_contacts.value_enc',
    scope: 'kind',
    normalise: (value: string) => value,
  },
  {
    label: 'customers.name',
    table: 'customers',
    hash: 'name_hash',
    enc: 'name_enc',
    place: 'customers.name_enc',
    scope: `'name'`,
    normalise: normaliseName,
  },
  {
    label: 'customers.id_number',
    table: 'customers',
    hash: 'id_number_hash',
    enc: 'id_number_enc',
    place: 'customers.id_number_enc',
    scope: `'id_number'`,
    normalise: (value: string) => value,
  },
] as const;

/**
 * X1: recomputes every keyed hash (contacts, names, ID numbers) under the next HMAC key, from the decrypted
 * values (a hash cannot be converted). Walks each table by id (keyset pagination), one transaction per batch
 * with its rows locked. Idempotent and resumable: a hash already under the next key is left alone, one under
 * the current key is replaced, and any other stops the run (its batch rolled back) with UnknownHashError,
 * since the value was hashed with a key neither side knows. Meant for the offline procedure of
 * docs/privacy.md (intake stopped): lookups use one key at a time.
 */
export async function rehashPii(
  dataSource: DataSource,
  current: PiiCipher,
  next: PiiCipher,
  options: { batchSize?: number; onProgress?: (progress: RehashProgress) => void } = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 500;
  const totals: Record<string, number> = {};
  for (const target of TARGETS) {
    totals[target.label] = await walkLocked<{ id: string; scope: string; hash: string; enc: string }>(
      dataSource,
      {
        table: target.table,
        columns: `${target.scope} AS scope, encode(${target.hash}, 'hex') AS hash, ${target.enc} AS enc`,
        where: `${target.enc} IS NOT NULL AND ${target.hash} IS NOT NULL`,
      },
      batchSize,
      async (manager, rows) => {
        const changed: { id: string; value: Buffer }[] = [];
        for (const row of rows) {
          const value = target.normalise(current.decrypt(row.enc, { column: target.place, rowId: row.id }));
          const wanted = next.lookupHash(row.scope, value);
          if (row.hash === wanted) continue;
          if (row.hash !== current.lookupHash(row.scope, value)) {
            throw new UnknownHashError(`${target.label} ${row.id}: the hash is under neither key`);
          }
          changed.push({ id: row.id, value: hashBytes(wanted) });
        }
        if (changed.length > 0) {
          await setColumnByIds(manager, { table: target.table, column: target.hash, type: 'bytea' }, changed);
        }
        return changed.length;
      },
      (rehashed) => options.onProgress?.({ table: target.label, rehashed }),
    );
  }
  return totals;
}
