import { DeferredInsert, insertStatements } from './deferred-insert';

describe('statements of a deferred insert (values as bind parameters, issue 14)', () => {
  it('builds one multi-row INSERT with the suffix, every value a parameter and never SQL text', () => {
    const insert = new DeferredInsert('svc.keys', ['key', 'owner'], 'ON CONFLICT DO NOTHING');
    const statements = insertStatements(insert, [
      ["x'); DROP TABLE t; --", null],
      ['b', 'x'],
    ]);
    expect(statements).toEqual([
      {
        text: 'INSERT INTO svc.keys (key, owner) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING',
        values: ["x'); DROP TABLE t; --", null, 'b', 'x'],
      },
    ]);
  });

  it("splits rows into statements within Postgres's 65,535 parameters", () => {
    const insert = new DeferredInsert('svc.wide', ['a', 'b', 'c']);
    const rows = Array.from({ length: insert.rowsPerStatement + 2 }, (_, i) => [i, i, i]);
    const statements = insertStatements(insert, rows);
    expect(statements.map((s) => (s.values ?? []).length)).toEqual([insert.rowsPerStatement * 3, 6]);
    expect(statements[1].text).toBe('INSERT INTO svc.wide (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6)');
  });
});
