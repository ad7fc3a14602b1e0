import type { DataSource } from 'typeorm';
import type { PiiCipher } from './pii-cipher';
import { setColumnByIds, walkLocked } from './pii-walk';

export interface RotationProgress {
  table: string;
  rotated: number;
}

/** The encrypted columns: table, key column, ciphertext column. */
const TARGETS = [
  { table: 'customer_contacts', column: 'value_enc', label: 'customer_contacts' },
  { table: 'customers', column: 'name_enc', label: 'customers' },
  { table: 'customers', column: 'id_number_enc', label: 'customers.id_number' },
] as const;

/**
 * X1 key rotation: re-encrypts every contact, name and ID number not under PII_ACTIVE_KEY. Walks each table by id
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
  for (const { table, column, label } of TARGETS) {
    totals[label] = await walkLocked<{ id: string; enc: string }>(
      dataSource,
      {
        table,
        columns: `${column} AS enc`,
        where: `${column} IS NOT NULL AND split_part(${column}, ':', 1) <> $3`,
        params: [cipher.activeKey],
      },
      batchSize,
      async (manager, rows) => {
        // The batch's values encrypted in one call (encryptMany, decision 0016), each with its own IV.
        const sealed = cipher.encryptMany(rows.map((row) => cipher.decrypt(row.enc)));
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
