import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { FeedbackEvents } from '@closeloop/contracts';
import { createServiceDataSource } from '@closeloop/persistence';
import { PgProxy, pollUntil } from '@closeloop/testing';
import { occupyGroup } from './testing/occupy-group';
import { GroupedUnitOfWork } from './grouped-unit-of-work';
import { DeferredInsert, UnitOfWork, type Tx } from './unit-of-work';
import {
  feedbackReceived,
  openMessagingTestEnv,
  TEST_SCHEMA,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

// Real servers on a shared 2-core machine: generous limits.
jest.setTimeout(60_000);

/** A unique key per item: what an idempotency key is to intake. */
const INSERT_KEY = new DeferredInsert<{ key: string; owner: string }>('svc.keys', {
  key: 'key',
  owner: 'owner',
});
/** Rows whose deferred trigger sleeps at the first COMMIT that checks one (a COMMIT that takes time). */
const INSERT_SLOW = new DeferredInsert<{ key: string }>('svc.slow', { key: 'key' });

/**
 * Issue 14.4: when the connection fails during a COMMIT (a socket error, a closed connection, a backend
 * ended), the outcome is read back from the server, never found out by doing the work again. Each case
 * breaks the group's connection at a chosen moment through a proxy on loopback, or ends its backend.
 */
describe('a commit whose connection fails: the outcome is read back, the work never done twice', () => {
  let env: MessagingTestEnv;
  let proxy: PgProxy;
  let proxied: DataSource;

  beforeAll(async () => {
    env = await openMessagingTestEnv('outcome', {}, { createStream: false });
    await env.dataSource.query(`
      CREATE TABLE svc.keys (key text PRIMARY KEY, owner text NOT NULL);
      CREATE TABLE svc.slow (key text NOT NULL);
      CREATE SEQUENCE svc.slow_once;
      CREATE FUNCTION svc.slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF nextval('svc.slow_once') = 1 THEN PERFORM pg_sleep(30); END IF; RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON svc.slow DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION svc.slow_commit();`);
    proxy = await PgProxy.start(env.db.url);
    proxied = await createServiceDataSource({
      url: proxy.url(env.db.url),
      schema: TEST_SCHEMA,
      entities: [],
      migrations: [],
      poolSize: 6,
      applicationName: 'closeloop-test-outcome',
    }).initialize();
  });

  afterAll(async () => {
    await proxied?.destroy().catch(() => undefined);
    await proxy?.close();
    await env?.close();
  });

  beforeEach(async () => {
    proxy.fired = 0;
    await env.dataSource.query('TRUNCATE svc.outbox, svc.effects, svc.keys, svc.slow');
  });

  function grouped(): GroupedUnitOfWork {
    return new GroupedUnitOfWork(
      proxied,
      env.writer,
      { kick: () => undefined },
      { maxGroupSize: 32, maxInFlight: 1 },
    );
  }

  /** A submission: an effect (no unique key, so a second run would show), a unique key row, an event. */
  async function submission(tx: Tx, key: string, slow = false): Promise<string> {
    await tx.manager.query('INSERT INTO svc.effects (feedback_id, note) VALUES ($1, $2)', [
      randomUUID(),
      key,
    ]);
    tx.deferInsert(INSERT_KEY, { key, owner: 'item' });
    if (slow) tx.deferInsert(INSERT_SLOW, { key });
    await tx.publish(FeedbackEvents.received, feedbackReceived());
    return `reply-${key}`;
  }

  /** The group's flush: its key rows and its COMMIT, sent together. */
  const groupCommit = (chunk: string) => chunk.includes('svc.keys') && chunk.includes('COMMIT');

  async function runGroup(keys: string[], slow = false): Promise<string[]> {
    const uow = grouped();
    const slot = await occupyGroup(uow);
    const calls = keys.map((key) =>
      uow.run((tx) => submission(tx, key, slow)).catch((error: Error) => `failed: ${error.message}`),
    );
    expect(uow.queued).toBe(keys.length);
    slot.release();
    return Promise.all(calls);
  }

  async function stored(): Promise<{ effects: string[]; keys: number; outbox: number }> {
    const effects = await env.dataSource.query<{ note: string }[]>(
      'SELECT note FROM svc.effects ORDER BY note',
    );
    return {
      effects: effects.map((row) => row.note),
      keys: await env.count('SELECT count(*) AS n FROM svc.keys'),
      outbox: await env.count('SELECT count(*) AS n FROM svc.outbox'),
    };
  }

  const keysOf = (label: string) => Array.from({ length: 6 }, (_, i) => `${label}-${i}`);

  it('answers every caller of a group that committed although its answer was lost (ECONNRESET), storing each once', async () => {
    proxy.arm(groupCommit, 'drop-answer');
    const keys = keysOf('lost');
    const replies = await runGroup(keys);
    expect(proxy.fired).toBe(1);
    expect(replies).toEqual(keys.map((key) => `reply-${key}`));
    expect(await stored()).toEqual({ effects: keys, keys: 6, outbox: 6 });
  });

  it('runs the items alone, once each, when the COMMIT never reached the server (ECONNRESET)', async () => {
    proxy.arm(groupCommit, 'drop-before');
    const keys = keysOf('unsent');
    const replies = await runGroup(keys);
    expect(proxy.fired).toBe(1);
    expect(replies).toEqual(keys.map((key) => `reply-${key}`));
    expect(await stored()).toEqual({ effects: keys, keys: 6, outbox: 6 });
  });

  it('runs the items alone, once each, when the backend was ended during the COMMIT (FATAL 57P01)', async () => {
    const keys = keysOf('ended');
    const replies = runGroup(keys, true);
    // The COMMIT is running the deferred trigger's sleep: end that backend from another connection.
    await pollUntil(
      async () => {
        const ended = await env.dataSource.query<{ pid: number }[]>(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event = 'PgSleep'`,
        );
        return ended.length;
      },
      (ended) => ended > 0,
      { timeoutMs: 20_000, what: 'the group COMMIT sleeping in its deferred trigger' },
    );
    expect(await replies).toEqual(keys.map((key) => `reply-${key}`));
    expect(await stored()).toEqual({ effects: keys, keys: 6, outbox: 6 });
    expect(await env.count('SELECT count(*) AS n FROM svc.slow')).toBe(6);
  });

  it('gives UnitOfWork.run its result when the COMMIT committed and its answer was lost, storing once', async () => {
    proxy.arm(groupCommit, 'drop-answer');
    const uow = new UnitOfWork(proxied, env.writer, { kick: () => undefined });
    expect(await uow.run((tx) => submission(tx, 'alone-0'))).toBe('reply-alone-0');
    expect(proxy.fired).toBe(1);
    expect(await stored()).toEqual({ effects: ['alone-0'], keys: 1, outbox: 1 });
  });
});
