import type { EntityManager } from 'typeorm';
import type { Statement } from './statement-batch';

/**
 * A column of an `UnnestInsert`: its name and its Postgres type (the element type of the array it is sent
 * as: `uuid`, `varchar`, `timestamptz`, `int`, `jsonb` ...), and `'json'` when the row holds a value to be
 * sent as JSON text (`JSON.stringify`; null and undefined stay SQL NULL) rather than JSON text already.
 */
export type ArrayColumn =
  readonly [column: string, type: string] | readonly [column: string, type: string, encode: 'json'];

/** The typed column map of a row: every field of `Row` named exactly once; a missing or extra one is a compile error. */
export type ArrayColumnMap<Row> = { readonly [K in keyof Row]-?: ArrayColumn };

const SQL_TYPE = /^[a-z][a-z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;

/**
 * `INSERT INTO table (columns) SELECT * FROM unnest($1::type[], $2::type[], …) suffix`: any number of typed
 * rows in one statement of as many parameters as columns (one array per column), whatever the row count.
 * For set-based writes whose suffix decides per row (`ON CONFLICT … DO UPDATE … WHERE`), where a multi-row
 * VALUES list (`DeferredInsert`) would need a parameter per value. Rows are `Row` objects, so no value is
 * matched to its column by position.
 */
export class UnnestInsert<Row extends object, Returned = never> {
  /** What a `RETURNING` suffix gives back per row (type only). */
  declare readonly returning?: Returned;
  readonly text: string;
  private readonly fields: readonly { key: string; json: boolean }[];

  constructor(
    /** Schema-qualified table, with an alias when the suffix needs one (`intake.customer_activity AS a`). */
    readonly table: string,
    // An array is no row: its columns would again be matched by position.
    columns: ArrayColumnMap<Row> & (Row extends readonly unknown[] ? never : unknown),
    /** Added after the SELECT, e.g. `ON CONFLICT DO NOTHING RETURNING id`. */
    readonly suffix = '',
  ) {
    const entries = Object.entries<ArrayColumn>(columns);
    if (entries.length === 0) throw new Error(`${table}: an insert needs at least one column`);
    for (const [, [, type]] of entries) {
      if (!SQL_TYPE.test(type)) throw new Error(`${table}: not a column type: ${type}`);
    }
    this.fields = entries.map(([key, [, , encode]]) => ({ key, json: encode === 'json' }));
    const names = entries.map(([, [column]]) => column).join(', ');
    const arrays = entries.map(([, [, type]], i) => `$${i + 1}::${type}[]`).join(', ');
    this.text = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${suffix}`.trimEnd();
  }

  /** The statement for the rows: one array of values per column, in the map's order. */
  statement(rows: readonly Row[]): Statement {
    const values = this.fields.map(({ key, json }) =>
      rows.map((row) => {
        const value = row[key as keyof Row];
        return json && value !== null && value !== undefined ? JSON.stringify(value) : value;
      }),
    );
    return { text: this.text, values };
  }

  /** Writes the rows (nothing for none); returns what a `RETURNING` suffix gives back. */
  async run(manager: EntityManager, rows: readonly Row[]): Promise<Returned[]> {
    if (rows.length === 0) return [];
    const { text, values } = this.statement(rows);
    const result: unknown = await manager.query(text, values as unknown[]);
    return Array.isArray(result) ? (result as Returned[]) : [];
  }
}
