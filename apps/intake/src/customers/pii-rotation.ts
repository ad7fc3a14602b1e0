import type { DataSource } from 'typeorm';
import type { PiiCipher, PiiColumn } from './pii-cipher';
import { setColumnByIds, walkLocked } from './pii-walk';

export interface RotationProgress {
  table: string;
  rotated: number;
}

/** The encrypted columns: table, key column, ciphertext column. */
const TARGETS: { table: string; column: string; place: PiiColumn; label: string }[] = [
  {
    table: 'customer_contacts',
    column: 'value_enc',
    place: 'customer_contacts.value_enc',
    label: 'customer_contacts',
  },
  { table: 'customers', column: 'name_enc', place: 'customers.name_enc', label: 'customers' },
  {
    table: 'customers',
    column: 'id_number_enc',
    place: 'customers.id_number_enc',
    label: 'customers.id_number',
  },
];

/**
 * X1 key rotation: re-encrypts every contact, name and ID number not under PII_ACTIVE_KEY or not yet bound to
 * its row and column (the form before decision 0017, no associated data). Walks each table by id
 * (keyset pagination); each batch is one transaction that locks its rows, re-reads them and skips any that
 * changed meanwhile (erased, or already rotated by a concurrent run), so it is idempotent, safe to re-run
 * and safe beside running services. The keyed hashes do not change: they depend on PII_HMAC_KEY only.
 */
export async function rotatePii(
  dataSource: DataSource,
  cipher: PiiCipher,
  options: { batchSize?: number; onProgress?: (progress: RotationProgress) => void } = {},
): Promise<Record<string, number>> {
  const batchSize = options.batchSize ?? 500;
  const totals: Record<string, number> = {};
  for (const { table, column, place, label } of TARGETS) {
    totals[label] = await walkLocked<{ id: string; enc: string }>(
      dataSource,
      {
        table,
        columns: `${column} AS enc`,
        where: `${column} IS NOT NULL AND split_part(${column}, ':', 1) <> $3`,
        params: [cipher.currentPrefix],
      },
      batchSize,
      async (manager, rows) => {
        // Each value decrypted where it is and encrypted again bound to the same place (decision 0017).
        const sealed = rows.map((row) => {
          const at = { column: place, rowId: row.id };
          return cipher.encrypt(cipher.decrypt(row.enc, at), at);
        });
        await setColumnByIds(
          manager,
          { table, column, type: 'text' },
          rows.map((row, i) => ({ id: row.id, value: sealed[i] })),
        );
        return rows.length;
      },
      (rotated) => options.onProgress?.({ table: label, rotated }),
    );
  }
  return totals;
}
