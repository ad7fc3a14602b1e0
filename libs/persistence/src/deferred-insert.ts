import type { EntityManager } from 'typeorm';
import type { Statement } from './statement-batch';

/** Postgres allows 65,535 parameters in one statement. */
const MAX_PARAMETERS = 65_535;

/**
 * Where a row's field is written: its column's name, or `{ column, json: true }` for a json/jsonb column whose
 * value is sent as JSON text (`JSON.stringify`; null and undefined stay SQL NULL). A plain column gets the value
 * as it is (pg sends a Date as a timestamp, an array as a Postgres array, an object as JSON).
 */
export type ColumnOf = string | { readonly column: string; readonly json: true };

/**
 * The typed column map of a row: every field of `Row` named exactly once with its column. A field the map
 * lacks, or one that `Row` lacks, is a compile error, so no insert lines columns up with values by position.
 */
export type ColumnMap<Row> = { readonly [K in keyof Row]-?: ColumnOf };

/**
 * An INSERT of typed rows, gathered during a transaction and sent as multi-row statements (just before it
 * commits, or at once by `insertRows`). Define one per statement (a constant beside the repository, its `Row`
 * usually picked from the table's entity), so rows of the same statement are written together. Rows are
 * `Row` objects: a missing or extra field is a compile error (see deferred-insert.spec.ts).
 */
export class DeferredInsert<Row extends object, Returned = never> {
  /** What a `RETURNING` suffix gives back per row (type only; `insertRows` returns them). */
  declare readonly returning?: Returned;

  /** The column names, in the order the values of `valuesOf` follow. */
  readonly columns: readonly string[];
  /** Rows per statement within Postgres's parameter limit. */
  readonly rowsPerStatement: number;
  private readonly fields: readonly { key: string; json: boolean }[];

  constructor(
    /** Schema-qualified table, e.g. `intake.feedback`. */
    readonly table: string,
    // An array is no row: its columns would again be matched by position.
    columns: ColumnMap<Row> & (Row extends readonly unknown[] ? never : unknown),
    /** Added after the VALUES list, e.g. `ON CONFLICT DO NOTHING`. */
    readonly suffix = '',
    /**
     * Lower first when a transaction flushes its deferred rows: rows other deferred rows refer to (a new
     * customer before its contacts and its feedback) get a lower order. Equal orders keep first use.
     */
    readonly order = 0,
  ) {
    const entries = Object.entries<ColumnOf>(columns);
    if (entries.length === 0) throw new Error(`${table}: an insert needs at least one column`);
    this.fields = entries.map(([key, spec]) => ({ key, json: typeof spec !== 'string' }));
    this.columns = entries.map(([, spec]) => (typeof spec === 'string' ? spec : spec.column));
    this.rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / this.columns.length));
  }

  /** The row's values in column order (json columns as JSON text). */
  valuesOf(row: Row): unknown[] {
    return this.fields.map(({ key, json }) => {
      const value = row[key as keyof Row];
      return json && value !== null && value !== undefined ? JSON.stringify(value) : value;
    });
  }
}

/**
 * Writes rows in as few multi-row statements as the parameter limit allows, in the order given; returns what
 * the statements return (rows of a `RETURNING` suffix, else nothing).
 */
export async function insertRows<Row extends object, R>(
  manager: EntityManager,
  insert: DeferredInsert<Row, R>,
  rows: readonly Row[],
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
export function insertStatements<Row extends object>(
  insert: DeferredInsert<Row, unknown>,
  rows: readonly Row[],
): Statement[] {
  return valueStatements(
    insert,
    rows.map((row) => insert.valuesOf(row)),
  );
}

/** `insertStatements` for rows already turned into values by `insert.valuesOf` (a transaction's deferred rows). */
export function valueStatements(
  insert: Pick<DeferredInsert<object, unknown>, 'table' | 'columns' | 'suffix' | 'rowsPerStatement'>,
  rows: readonly unknown[][],
): Statement[] {
  const statements: Statement[] = [];
  const width = insert.columns.length;
  for (let start = 0; start < rows.length; start += insert.rowsPerStatement) {
    const values: unknown[] = [];
    const tuples = rows.slice(start, start + insert.rowsPerStatement).map((row) => {
      const first = values.length + 1;
      values.push(...row);
      return `(${Array.from({ length: width }, (_, i) => `$${first + i}`).join(', ')})`;
    });
    statements.push({
      text: `INSERT INTO ${insert.table} (${insert.columns.join(', ')}) VALUES ${tuples.join(', ')} ${insert.suffix}`.trimEnd(),
      values,
    });
  }
  return statements;
}
