import type { EntityManager } from 'typeorm';
import type { Statement } from '@closeloop/persistence';

/** Postgres allows 65,535 parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/**
 * An INSERT whose rows are gathered during a transaction and sent as multi-row statements (just before it
 * commits, or at once by `insertRows`). Define one per statement (a constant beside the repository), so rows
 * of the same statement are written together.
 */
export class DeferredInsert {
  /** Rows per statement within Postgres's parameter limit. */
  readonly rowsPerStatement: number;

  constructor(
    /** Schema-qualified table, e.g. `intake.feedback`. */
    readonly table: string,
    readonly columns: readonly string[],
    /** Added after the VALUES list, e.g. `ON CONFLICT DO NOTHING`. */
    readonly suffix = '',
    /**
     * Lower first when a transaction flushes its deferred rows: rows other deferred rows refer to (a new
     * customer before its contacts and its feedback) get a lower order. Equal orders keep first use.
     */
    readonly order = 0,
  ) {
    this.rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  }
}

/**
 * Writes rows in as few multi-row statements as the parameter limit allows, in the order given; returns what
 * the statements return (rows of a `RETURNING` suffix, else nothing).
 */
export async function insertRows<R = never>(
  manager: EntityManager,
  insert: DeferredInsert,
  rows: unknown[][],
): Promise<R[]> {
  const returned: R[] = [];
  for (const { text, values } of insertStatements(insert, rows)) {
    const result: unknown = await manager.query(text, values as unknown[]);
    if (Array.isArray(result)) returned.push(...(result as R[]));
  }
  return returned;
}

/**
 * The rows as multi-row INSERTs, as few as the parameter limit allows, every value a bind parameter: only the
 * table, the columns and the suffix (the code's own constants) are SQL text.
 */
export function insertStatements(insert: DeferredInsert, rows: readonly unknown[][]): Statement[] {
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += insert.rowsPerStatement) {
    const values: unknown[] = [];
    const tuples = rows.slice(start, start + insert.rowsPerStatement).map((row) => {
      const first = values.length + 1;
      values.push(...row);
      return `(${row.map((_, i) => `$${first + i}`).join(', ')})`;
    });
    statements.push({
      text: `INSERT INTO ${insert.table} (${insert.columns.join(', ')}) VALUES ${tuples.join(', ')} ${insert.suffix}`.trimEnd(),
      values,
    });
  }
  return statements;
}
