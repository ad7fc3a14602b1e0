import { escapeLiteral } from 'pg';
import type { EntityManager } from 'typeorm';

/** pg's own conversion of a parameter to its text form (Dates, arrays, JSON, Buffers); `pg/lib/*` is exported. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as {
  prepareValue(value: unknown): string | Buffer | null | undefined;
};

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
  for (let start = 0; start < rows.length; start += insert.rowsPerStatement) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + insert.rowsPerStatement).map((row) => {
      const first = params.length + 1;
      params.push(...row);
      return `(${row.map((_, i) => `$${first + i}`).join(', ')})`;
    });
    const result: unknown = await manager.query(insertSql(insert, tuples), params);
    if (Array.isArray(result)) returned.push(...(result as R[]));
  }
  return returned;
}

/**
 * The rows as one multi-row INSERT with its values inlined as quoted literals, for a simple-protocol query
 * that sends several statements in one round trip (`BufferedTx.flushAndCommit`). Each value is turned into text as
 * pg does for a parameter and quoted with `escapeLiteral`; like a parameter (sent untyped), the literal
 * takes the type of its target column. Nothing here is interpreted as SQL but the table, the columns and
 * the suffix, which are the code's own constants.
 */
export function insertStatement(insert: DeferredInsert, rows: readonly unknown[][]): string {
  return insertSql(
    insert,
    rows.map((row) => `(${row.map(sqlLiteral).join(', ')})`),
  );
}

/** The statement for these value tuples (placeholders or literals). */
function insertSql(insert: DeferredInsert, tuples: string[]): string {
  return `INSERT INTO ${insert.table} (${insert.columns.join(', ')}) VALUES ${tuples.join(', ')} ${insert.suffix}`;
}

/** A value as a quoted SQL literal (or NULL), in the text form pg would send it as a parameter. */
export function sqlLiteral(value: unknown): string {
  const text = prepareValue(value);
  if (text === null || text === undefined) return 'NULL';
  if (Buffer.isBuffer(text)) return `'\\x${text.toString('hex')}'`;
  // Postgres stores no NUL in text, and would refuse it as a parameter too; inlined, it would end the
  // query text early. Refuse it here, with the same meaning.
  if (text.includes('\u0000'))
    throw new Error('a text value holds a NUL character, which Postgres cannot store');
  return escapeLiteral(text);
}
