import { randomUUID } from 'node:crypto';
import { DeferredInsert, UnitOfWork } from './unit-of-work';
import { openMessagingTestEnv, type MessagingTestEnv } from './testing/messaging-test-env';

// Real servers on a shared 2-core machine: generous limits.
jest.setTimeout(30_000);

interface TypedRow {
  id: string;
  note: string | null;
  amount: number;
  price: string;
  flag: boolean;
  at: Date;
  day: string | null;
  data: object;
  tags: string[];
  raw: Buffer;
}
const ROWS = new DeferredInsert<TypedRow>('svc.typed', {
  id: 'id',
  note: 'note',
  amount: 'amount',
  price: 'price',
  flag: 'flag',
  at: 'at',
  day: 'day',
  data: 'data',
  tags: 'tags',
  raw: 'raw',
});
const SQL_COLUMNS = ROWS.columns.join(', ');

/**
 * Deferred rows are sent with the commit in one round trip (several statements, one Sync): they must arrive
 * exactly as the same values sent through a plain parameterised query do, whatever the text holds.
 */
describe('deferred rows sent with the commit in one round trip, against real Postgres', () => {
  let env: MessagingTestEnv;
  let uow: UnitOfWork;

  beforeAll(async () => {
    env = await openMessagingTestEnv('deferred', {}, { createStream: false });
    uow = new UnitOfWork(env.dataSource, env.writer, { kick: () => undefined });
    await env.dataSource.query(
      `CREATE TABLE svc.typed (id uuid PRIMARY KEY, note text, amount integer, price numeric(12, 2),
         flag boolean, at timestamptz, day date, data jsonb, tags text[], raw bytea, via text)`,
    );
  });

  afterAll(async () => {
    await env?.close();
  });

  const awkward = [
    'O\'Brien said "hi"',
    'back\\slash \\x00 and \\N',
    'tab\tnew\nline\r',
    '投诉：快递 📦 未送达',
    "'); DROP TABLE svc.typed; --",
    '',
  ];

  function row(note: string | null, i: number): TypedRow {
    return {
      id: randomUUID(),
      note,
      amount: i - 2,
      price: '1234.50',
      flag: i % 2 === 0,
      at: new Date(Date.UTC(2026, 11, 2, 3, 4, 5, i)),
      day: i === 0 ? null : '2026-12-02',
      data: { text: note, nested: { list: [1, 'two', null] } },
      tags: ['a', note ?? 'none', 'with "quote"', 'with,comma'],
      raw: Buffer.from([0, 39, 92, 255, i]),
    };
  }

  it('stores every value as a parameter would: text of any content, numbers, dates, json, arrays, bytes, null', async () => {
    const rows = [...awkward, null].map(row);
    await uow.run(async (tx) => {
      for (const typed of rows) tx.deferInsert(ROWS, typed);
    });
    // The same values through parameters, as the reference.
    for (const r of rows) {
      await env.dataSource.query(
        `INSERT INTO svc.typed (${SQL_COLUMNS}, via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'param')`,
        [randomUUID(), r.note, r.amount, r.price, r.flag, r.at, r.day, r.data, r.tags, r.raw],
      );
    }
    const read = (via: string) =>
      env.dataSource.query<Record<string, unknown>[]>(
        `SELECT note, amount, price, flag, at, day::text AS day, data, tags, raw FROM svc.typed
          WHERE via IS NOT DISTINCT FROM $1 ORDER BY at`,
        [via === 'deferred' ? null : via],
      );
    const deferred = await read('deferred');
    expect(deferred).toHaveLength(rows.length);
    expect(deferred).toEqual(await read('param'));
    expect(deferred.map((r) => r.note)).toEqual([...awkward, null]);
    expect(
      await env.count("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'svc' AND tablename = 'typed'"),
    ).toBe(1);
  });

  it('stores nothing of the transaction when a deferred row breaks a constraint, and names the constraint', async () => {
    const id = randomUUID();
    const before = await env.count('SELECT count(*) AS n FROM svc.typed');
    const failure = uow.run(async (tx) => {
      await tx.manager.query(`INSERT INTO svc.typed (id, note) VALUES ($1, 'written first')`, [randomUUID()]);
      tx.deferInsert(ROWS, { ...row('first', 0), id });
      tx.deferInsert(ROWS, { ...row('same id', 1), id });
    });
    await expect(failure).rejects.toMatchObject({ driverError: { constraint: 'typed_pkey' } });
    expect(await env.count('SELECT count(*) AS n FROM svc.typed')).toBe(before);
  });
});
