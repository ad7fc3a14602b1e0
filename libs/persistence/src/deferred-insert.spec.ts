import { DeferredInsert, insertStatements } from './deferred-insert';

interface KeyRow {
  key: string;
  owner: string | null;
}

describe('statements of a deferred insert (values as bind parameters, issue 14)', () => {
  it('builds one multi-row INSERT with the suffix, every value a parameter and never SQL text', () => {
    const insert = new DeferredInsert<KeyRow>(
      'svc.keys',
      { key: 'key', owner: 'owner' },
      'ON CONFLICT DO NOTHING',
    );
    const statements = insertStatements(insert, [
      { key: "x'); DROP TABLE t; --", owner: null },
      { owner: 'x', key: 'b' },
    ]);
    expect(statements).toEqual([
      {
        text: 'INSERT INTO svc.keys (key, owner) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING',
        values: ["x'); DROP TABLE t; --", null, 'b', 'x'],
      },
    ]);
  });

  it("splits rows into statements within Postgres's 65,535 parameters", () => {
    const insert = new DeferredInsert<{ a: number; b: number; c: number }>('svc.wide', {
      a: 'a',
      b: 'b',
      c: 'c',
    });
    const rows = Array.from({ length: insert.rowsPerStatement + 2 }, (_, i) => ({ a: i, b: i, c: i }));
    const statements = insertStatements(insert, rows);
    expect(statements.map((s) => (s.values ?? []).length)).toEqual([insert.rowsPerStatement * 3, 6]);
    expect(statements[1].text).toBe('INSERT INTO svc.wide (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6)');
  });

  it('places each field in its own column whatever the order of the map and the row (issue 13)', () => {
    const insert = new DeferredInsert<{ createdAt: Date; dueAt: Date; data: object | null }>('svc.times', {
      dueAt: 'due_at',
      data: { column: 'data', json: true },
      createdAt: 'created_at',
    });
    const createdAt = new Date('2026-01-01T00:00:00Z');
    const dueAt = new Date('2026-02-01T00:00:00Z');
    const [statement] = insertStatements(insert, [
      { createdAt, dueAt, data: { a: [1] } },
      { data: null, dueAt, createdAt },
    ]);
    expect(statement.text).toBe(
      'INSERT INTO svc.times (due_at, data, created_at) VALUES ($1, $2, $3), ($4, $5, $6)',
    );
    expect(statement.values).toEqual([dueAt, '{"a":[1]}', createdAt, dueAt, null, createdAt]);
  });

  /**
   * Compile-time checks (tsc -p tsconfig.json checks this file; a `@ts-expect-error` that stops being an
   * error is itself an error): a column map or a row with a missing or extra field does not compile, and
   * neither does an array of columns or of values.
   */
  it('refuses, at compile time, a missing or extra field in the column map or a row, and positional arrays', () => {
    const make = () => {
      // @ts-expect-error the column map lacks `owner`
      new DeferredInsert<KeyRow>('svc.keys', { key: 'key' });
      // @ts-expect-error the column map has a field the row lacks
      new DeferredInsert<KeyRow>('svc.keys', { key: 'key', owner: 'owner', extra: 'extra' });
      // @ts-expect-error a list of columns is positional again
      new DeferredInsert('svc.keys', ['key', 'owner']);
      const insert = new DeferredInsert<KeyRow>('svc.keys', { key: 'key', owner: 'owner' });
      // @ts-expect-error the row lacks `owner`
      insertStatements(insert, [{ key: 'a' }]);
      // @ts-expect-error the row has a field the table is not given
      insertStatements(insert, [{ key: 'a', owner: null, extra: 1 }]);
      // @ts-expect-error values by position
      insertStatements(insert, [['a', null]]);
      // @ts-expect-error a field of the wrong type
      insertStatements(insert, [{ key: 1, owner: null }]);
    };
    expect(make).toBeInstanceOf(Function);
  });
});
