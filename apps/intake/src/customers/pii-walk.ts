import type { DataSource, EntityManager } from 'typeorm';

/**
 * The walk of the PII maintenance commands (pii:rotate, pii:rehash): every row of an intake table that
 * `where` selects, by id (keyset pagination), one transaction per batch with its rows locked, so a run is
 * safe beside running services and resumable. `where` may use `$3`, `$4`... for `params`. `change` writes
 * the batch and returns how many rows it changed; the total is returned, and reported after each batch.
 */
export async function walkLocked<R extends { id: string }>(
  dataSource: DataSource,
  select: { table: string; columns: string; where: string; params?: unknown[] },
  batchSize: number,
  change: (manager: EntityManager, rows: R[]) => Promise<number>,
  onProgress?: (changed: number) => void,
): Promise<number> {
  let afterId = '00000000-0000-0000-0000-000000000000';
  let changed = 0;
  for (;;) {
    const batch = await dataSource.transaction(async (manager) => {
      const rows: R[] = await manager.query(
        `SELECT id, ${select.columns} FROM intake.${select.table}
          WHERE id > $1 AND (${select.where}) ORDER BY id LIMIT $2 FOR UPDATE`,
        [afterId, batchSize, ...(select.params ?? [])],
      );
      if (rows.length === 0) return null;
      return { count: await change(manager, rows), lastId: rows[rows.length - 1].id };
    });
    if (!batch) return changed;
    afterId = batch.lastId;
    changed += batch.count;
    onProgress?.(changed);
  }
}

/** Sets one column of a batch of rows, each to its own value, in one statement (`type`: the column's SQL type). */
export async function setColumnByIds(
  manager: EntityManager,
  target: { table: string; column: string; type: string },
  rows: { id: string; value: string | Buffer }[],
): Promise<void> {
  await manager.query(
    `UPDATE intake.${target.table} AS t SET ${target.column} = v.value
       FROM unnest($1::uuid[], $2::${target.type}[]) AS v(id, value) WHERE t.id = v.id`,
    [rows.map((row) => row.id), rows.map((row) => row.value)],
  );
}
