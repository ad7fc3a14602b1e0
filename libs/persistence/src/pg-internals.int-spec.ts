import { Client, Connection, DatabaseError, Query, type QueryResult } from 'pg';
import { createTestDatabase, type TestDatabase } from '@closeloop/testing';
import { ExtendedProtocolQuery, prepareValue, type ProtocolWriter } from './pg-internals';
import { sendTogether } from './statement-batch';

jest.setTimeout(30_000);

/** A query of two statements written by hand, as StatementBatch does; it notes what pg gave it. */
class TwoStatements extends ExtendedProtocolQuery {
  calls = 0;
  corked = false;

  constructor(
    private readonly first: string,
    callback: (error: Error | undefined, result: unknown) => void,
  ) {
    super({ text: `${first};\nSELECT $1::text AS b` }, callback);
  }

  protected writeMessages(writer: ProtocolWriter): void {
    this.calls += 1;
    this.corked =
      ((writer as unknown as { stream: { writableCorked?: number } }).stream.writableCorked ?? 0) > 0;
    for (const [text, values] of [
      [this.first, [prepareValue(7)]],
      ['SELECT $1::text AS b', [prepareValue('two')]],
    ] as const) {
      writer.parse({ text, name: '', types: [] });
      writer.bind({ portal: '', statement: '', values: [...values], binary: false });
      writer.describe({ type: 'P', name: '' });
      writer.execute({ portal: '', rows: 0 });
    }
    writer.sync();
  }
}

function run(client: Client, first: string): { query: TwoStatements; results: Promise<QueryResult[]> } {
  let query: TwoStatements | undefined;
  const results = new Promise<QueryResult[]>((resolve, reject) => {
    query = new TwoStatements(first, (error, result) =>
      error ? reject(error) : resolve(result as QueryResult[]),
    );
    void client.query(query as unknown as Query);
  });
  if (!query) throw new Error('unreachable: the promise executor runs at once');
  return { query, results };
}

/**
 * Canary of the adapter pg-internals.ts (issue 13 point 4): every pg internal it uses, exercised against a
 * real Postgres. When a pg upgrade renames or reshapes one of them, this file fails before the one-trip
 * commit (decision 0021) breaks elsewhere.
 */
describe('pg internals behind the adapter (canary)', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase('pginternals');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('still has the methods the adapter calls or overrides', () => {
    for (const method of ['submit', 'prepare', 'requiresPreparation', 'handleError']) {
      expect(typeof (Query.prototype as unknown as Record<string, unknown>)[method]).toBe('function');
    }
    for (const method of ['parse', 'bind', 'describe', 'execute', 'sync']) {
      expect(typeof (Connection.prototype as unknown as Record<string, unknown>)[method]).toBe('function');
    }
  });

  it("calls the query's prepare once from submit, with the socket corked, and answers each statement", async () => {
    const { query, results: answered } = run(client, 'SELECT $1::int AS a');
    const results = await answered;
    expect(query.calls).toBe(1);
    expect(query.corked).toBe(true);
    expect(results.map((r) => r.rows)).toEqual([[{ a: 7 }], [{ b: 'two' }]]);
  });

  it("delivers the first statement's error as pg's DatabaseError, skips the rest, and the client stays usable", async () => {
    const failure = run(client, 'SELECT $1::int / 0 AS a').results;
    await expect(failure).rejects.toBeInstanceOf(DatabaseError);
    await expect(failure).rejects.toMatchObject({ code: '22012' });
    expect((await client.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('converts values as pg itself does: a batch stores what a parameterised query stores', async () => {
    const values: unknown[] = [
      new Date(Date.UTC(2026, 11, 7, 1, 2, 3, 456)),
      Buffer.from([0, 1, 255]),
      ['a', 'with "quote"', null],
      { nested: { list: [1, 'two'] } },
      12.5,
      true,
      null,
      undefined,
    ];
    expect(prepareValue(null)).toBeNull();
    expect(prepareValue(undefined)).toBeNull();
    expect(prepareValue(Buffer.from([1]))).toEqual(Buffer.from([1]));
    const text =
      'SELECT $1::timestamptz AS at, $2::bytea AS raw, $3::text[] AS tags, $4::jsonb AS data, $5::numeric AS n, $6::boolean AS flag, $7::text AS nothing, $8::text AS missing';
    const reference = (await client.query(text, values)).rows;
    const [batched] = await sendTogether(client, [{ text, values }]);
    expect(batched.rows).toEqual(reference);
  });
});
