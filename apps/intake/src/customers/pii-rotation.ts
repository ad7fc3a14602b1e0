import type { DataSource } from 'typeorm';
import { PiiCipher } from './pii-cipher';

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
    let afterId = '00000000-0000-0000-0000-000000000000';
    let rotated = 0;
    for (;;) {
      const batch = await dataSource.transaction(async (manager) => {
        const rows: { id: string; enc: string }[] = await manager.query(
          `SELECT id, ${column} AS enc FROM intake.${table}
           WHERE id > $1 AND ${column} IS NOT NULL AND split_part(${column}, ':', 1) <> $2
           ORDER BY id LIMIT $3 FOR UPDATE`,
          [afterId, cipher.activeKey, batchSize],
        );
        if (rows.length === 0) return null;
        await manager.query(
          `UPDATE intake.${table} AS t SET ${column} = v.enc
           FROM unnest($1::uuid[], $2::text[]) AS v(id, enc) WHERE t.id = v.id`,
          [rows.map((row) => row.id), rows.map((row) => cipher.encrypt(cipher.decrypt(row.enc)))],
        );
        return { count: rows.length, lastId: rows[rows.length - 1].id };
      });
      if (!batch) break;
      afterId = batch.lastId;
      rotated += batch.count;
      options.onProgress?.({ table: label, rotated });
    }
    totals[label] = rotated;
  }
  return totals;
}
