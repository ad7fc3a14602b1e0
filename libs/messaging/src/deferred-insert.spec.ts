import { DeferredInsert, insertStatement, sqlLiteral } from './deferred-insert';

describe('inlined values of a deferred insert (one round trip per flush)', () => {
  it('quotes text as Postgres reads it back: quotes doubled, backslashes in an E-string', () => {
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral("x'); DROP TABLE t; --")).toBe("'x''); DROP TABLE t; --'");
  });

  it('writes null and undefined as NULL, and other values in the text form pg sends as a parameter', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
    expect(sqlLiteral(42)).toBe("'42'");
    expect(sqlLiteral(true)).toBe("'true'");
    expect(sqlLiteral(['a', 'b"c'])).toBe(` E'{"a","b\\\\"c"}'`);
    expect(sqlLiteral({ a: "it's" })).toBe(`'{"a":"it''s"}'`);
    expect(sqlLiteral(Buffer.from([0, 255]))).toBe("'\\x00ff'");
    expect(sqlLiteral(new Date('2026-12-02T01:02:03.004Z'))).toMatch(
      /^'2026-12-02T\d\d:02:03\.004[+-]\d\d:\d\d'$/,
    );
  });

  it('refuses a NUL character, which Postgres cannot store and which would cut the query text short', () => {
    expect(() => sqlLiteral("abc\u0000'); DROP TABLE t; --")).toThrow(/NUL/);
  });

  it('builds one multi-row INSERT with the suffix', () => {
    const insert = new DeferredInsert('svc.keys', ['key', 'owner'], 'ON CONFLICT DO NOTHING');
    expect(
      insertStatement(insert, [
        ['a', null],
        ['b', 'x'],
      ]),
    ).toBe("INSERT INTO svc.keys (key, owner) VALUES ('a', NULL), ('b', 'x') ON CONFLICT DO NOTHING");
  });
});
