import { randomUUID } from 'node:crypto';
import { FeedbackEvents } from '@closeloop/contracts';
import { runWithContext } from '@closeloop/observability';
import { isUniqueViolation } from '@closeloop/persistence';
import { occupyGroup } from './testing/occupy-group';
import { GroupedUnitOfWork, type GroupStep } from './grouped-unit-of-work';
import { DeferredInsert, type Tx } from './unit-of-work';
import { feedbackReceived, openMessagingTestEnv, type MessagingTestEnv } from './testing/messaging-test-env';

// Real servers on a shared 2-core machine: generous limits.
jest.setTimeout(30_000);

/** A unique key per row: what an idempotency key or a ticket number is to intake. */
const INSERT_KEY = new DeferredInsert<{ key: string; owner: string }>('svc.keys', {
  key: 'key',
  owner: 'owner',
});

describe('grouped unit of work (group commit) against real Postgres', () => {
  let env: MessagingTestEnv;
  let kicks: number;

  beforeAll(async () => {
    env = await openMessagingTestEnv('group', {}, { createStream: false });
    await env.dataSource.query('CREATE TABLE svc.keys (key text PRIMARY KEY, owner text NOT NULL)');
    // Checked only at COMMIT: lets a test make Postgres refuse a group's commit.
    await env.dataSource.query(
      `CREATE TABLE svc.late_keys (key text NOT NULL,
         CONSTRAINT late_keys_uq UNIQUE (key) DEFERRABLE INITIALLY DEFERRED)`,
    );
  });

  afterAll(async () => {
    await env?.close();
  });

  beforeEach(async () => {
    kicks = 0;
    await env.dataSource.query('TRUNCATE svc.outbox, svc.effects, svc.keys, svc.late_keys');
  });

  function grouped(maxGroupSize = 32, maxInFlight = 1): GroupedUnitOfWork {
    return new GroupedUnitOfWork(
      env.dataSource,
      env.writer,
      { kick: () => void kicks++ },
      { maxGroupSize, maxInFlight },
    );
  }

  /** Stores an effect, a deferred key row and an event; returns the id of the transaction it ran in. */
  async function item(tx: Tx, key: string, fail?: string): Promise<string> {
    await tx.manager.query('INSERT INTO svc.effects (feedback_id, note) VALUES ($1, $2)', [
      randomUUID(),
      key,
    ]);
    tx.deferInsert(INSERT_KEY, { key, owner: 'item' });
    await tx.publish(FeedbackEvents.received, feedbackReceived());
    if (fail) throw new Error(fail);
    const [row] = await tx.manager.query<{ id: string }[]>('SELECT txid_current()::text AS id');
    return row.id;
  }

  const notes = async () =>
    (await env.dataSource.query<{ note: string }[]>('SELECT note FROM svc.effects ORDER BY note')).map(
      (row) => row.note,
    );
  const count = (sql: string) => env.count(sql);

  it('commits the calls that arrived while a group ran in one transaction, each answered with its own result', async () => {
    const uow = grouped();
    const slot = await occupyGroup(uow);
    const keys = Array.from({ length: 20 }, (_, i) => `key-${String(i).padStart(4, '0')}`);
    const calls = keys.map((key) => uow.run(async (tx) => ({ key, txid: await item(tx, key) })));
    expect(uow.queued).toBe(20);
    // Nothing of theirs is visible before the group commits.
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(0);
    slot.release();
    const results = await Promise.all(calls);

    expect(results.map((r) => r.key)).toEqual(keys);
    expect(new Set(results.map((r) => r.txid)).size).toBe(1);
    expect(await notes()).toEqual(keys);
    expect(await count('SELECT count(*) AS n FROM svc.keys')).toBe(20);
    expect(await count('SELECT count(*) AS n FROM svc.outbox')).toBe(20);
    // One relay wake-up per committed group that emitted events.
    expect(kicks).toBe(1);
  });

  it('starts a lone call at once and bounds groups by size', async () => {
    const uow = grouped(3);
    expect(await uow.run(async (tx) => item(tx, 'lone-0001'))).toMatch(/^\d+$/);
    const slot = await occupyGroup(uow);
    const calls = Array.from({ length: 10 }, (_, i) =>
      uow.run((tx) => item(tx, `size-${String(i).padStart(4, '0')}`)),
    );
    slot.release();
    const txids = await Promise.all(calls);
    // 10 calls in groups of at most 3: four transactions, in arrival order.
    expect(new Set(txids).size).toBe(4);
    expect(txids[0]).toBe(txids[2]);
    expect(txids[2]).not.toBe(txids[3]);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(11);
  });

  it('fails only the caller whose item threw; the others commit once', async () => {
    const uow = grouped();
    const slot = await occupyGroup(uow);
    const keys = Array.from({ length: 12 }, (_, i) => `ok-${String(i).padStart(4, '0')}`);
    const calls = keys.map((key, i) =>
      uow
        .run((tx) => item(tx, key, i === 5 ? 'item 5 is bad' : undefined))
        .then(
          () => 'ok',
          (error: Error) => error.message,
        ),
    );
    slot.release();
    const outcomes = await Promise.all(calls);

    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(11);
    expect(outcomes[5]).toBe('item 5 is bad');
    // Run twice (in the group, then alone) but committed once; the bad item left nothing.
    expect(await notes()).toEqual(keys.filter((_, i) => i !== 5));
    expect(await count('SELECT count(*) AS n FROM svc.keys')).toBe(11);
    expect(await count('SELECT count(*) AS n FROM svc.outbox')).toBe(11);
  });

  it('gives a deferred insert that breaks a constraint to its own caller only; a duplicate changes nothing', async () => {
    const uow = grouped();
    await uow.run(async (tx) => item(tx, 'taken-0001'));
    const slot = await occupyGroup(uow);
    // Two calls race for a new key inside the same group, and one reuses a key committed earlier.
    const keys = ['free-0001', 'race-0001', 'free-0002', 'race-0001', 'taken-0001', 'free-0003'];
    const calls = keys.map((key) =>
      uow
        .run((tx) => item(tx, key))
        .then(
          () => 'ok',
          (error: unknown) => (isUniqueViolation(error, 'keys_pkey') ? 'duplicate' : String(error)),
        ),
    );
    slot.release();
    const outcomes = await Promise.all(calls);

    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'duplicate', 'duplicate', 'ok']);
    expect(await notes()).toEqual(['free-0001', 'free-0002', 'free-0003', 'race-0001', 'taken-0001']);
    expect(await count('SELECT count(*) AS n FROM svc.outbox')).toBe(5);
  });

  it('runs the items alone when Postgres refuses the group commit (a deferred constraint)', async () => {
    const uow = grouped();
    const slot = await occupyGroup(uow);
    const keys = ['late-0001', 'late-0002', 'late-0001', 'late-0003'];
    const calls = keys.map((key) =>
      uow
        .run(async (tx) => {
          await tx.manager.query('INSERT INTO svc.late_keys (key) VALUES ($1)', [key]);
          return item(tx, `${key}-${randomUUID().slice(0, 4)}`);
        })
        .then(
          () => 'ok',
          (error: unknown) => (isUniqueViolation(error, 'late_keys_uq') ? 'duplicate' : String(error)),
        ),
    );
    slot.release();
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'duplicate', 'ok']);
    expect(await count('SELECT count(*) AS n FROM svc.late_keys')).toBe(3);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(3);
  });

  it('prepares a step once per group with every item input; an item run alone gets it for its own input', async () => {
    const uow = grouped();
    const prepared: string[][] = [];
    // What a lookup step does: one query for the keys of every item, the answer kept on the transaction.
    const OWNERS = Symbol('owners');
    const lookup: GroupStep<string> = {
      async prepare(tx, keys) {
        prepared.push([...keys]);
        const rows = await tx.manager.query<{ key: string; owner: string }[]>(
          'SELECT key, owner FROM svc.keys WHERE key = ANY($1)',
          [keys],
        );
        const owners = tx.local(OWNERS, () => new Map<string, string>());
        for (const row of rows) owners.set(row.key, row.owner);
      },
    };
    await uow.run(async (tx) => item(tx, 'known-0001'));
    const slot = await occupyGroup(uow);
    const keys = ['known-0001', 'new-0001', 'bad-0001', 'new-0002'];
    const calls = keys.map((key) =>
      uow
        .run(
          async (tx) => {
            if (key.startsWith('bad')) throw new Error('bad item');
            return tx.local(OWNERS, () => new Map<string, string>()).get(key) ?? 'nobody';
          },
          { step: lookup, input: key },
        )
        .catch((error: Error) => error.message),
    );
    slot.release();

    expect(await Promise.all(calls)).toEqual(['item', 'nobody', 'bad item', 'nobody']);
    // Once for the group (rolled back by the bad item), then once per item run alone.
    expect(prepared).toEqual([keys, ['known-0001'], ['new-0001'], ['bad-0001'], ['new-0002']]);
  });

  it('writes deferred rows by their order, then in the order first used', async () => {
    await env.dataSource.query(
      `CREATE TABLE IF NOT EXISTS svc.parents (key text PRIMARY KEY);
       CREATE TABLE IF NOT EXISTS svc.children (key text PRIMARY KEY REFERENCES svc.parents (key))`,
    );
    const parents = new DeferredInsert<{ key: string }>('svc.parents', { key: 'key' }, '', -1);
    const children = new DeferredInsert<{ key: string }>('svc.children', { key: 'key' });
    const uow = grouped();
    // The child is deferred first, its parent after: the parent's lower order writes it first.
    await uow.run(async (tx) => {
      tx.deferInsert(children, { key: 'p-0001' });
      tx.deferInsert(parents, { key: 'p-0001' });
      return Promise.resolve();
    });
    expect(await count('SELECT count(*) AS n FROM svc.children')).toBe(1);
  });

  it("runs each item in its caller's context: events carry the caller's correlation id", async () => {
    const uow = grouped();
    const slot = await occupyGroup(uow);
    const calls = Array.from({ length: 5 }, (_, i) =>
      runWithContext({ correlationId: `corr-group-${i}` }, () =>
        uow.run(async (tx) => (await tx.publish(FeedbackEvents.received, feedbackReceived())).correlationid),
      ),
    );
    slot.release();
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4].map((i) => `corr-group-${i}`));
    const stored = await env.dataSource.query<{ c: string }[]>(
      `SELECT envelope->>'correlationid' AS c FROM svc.outbox ORDER BY seq`,
    );
    expect(stored.map((row) => row.c)).toEqual([0, 1, 2, 3, 4].map((i) => `corr-group-${i}`));
  });

  it('keeps at most maxInFlight groups (connections) at once', async () => {
    const uow = grouped(2, 2);
    let running = 0;
    let most = 0;
    const calls = Array.from({ length: 24 }, (_, i) =>
      uow.run(async (tx) => {
        running++;
        most = Math.max(most, running);
        await tx.manager.query('SELECT pg_sleep(0.005)');
        running--;
        return i;
      }),
    );
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    // Items of one group run one after another, so at most one item per group runs at a time.
    expect(most).toBeLessThanOrEqual(2);
  });
});
