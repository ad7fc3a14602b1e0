import { FeedbackEvents, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { pollUntil } from '@closeloop/testing';
import { EventConsumer, type EventHandler } from './event-consumer';
import { OutboxRelay } from './outbox-relay';
import { UnitOfWork } from './unit-of-work';
import { NatsServerProcess } from './testing/nats-server-process';
import {
  feedbackReceived,
  openMessagingTestEnv,
  readStream,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

/**
 * The broker crashes (SIGKILL) and comes back on the same port and store: the relay re-publishes what it
 * sent recently (the broker may have lost it), the consumer keeps going, and the inbox keeps every event's
 * effect single.
 */
// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('NATS crash and restart', () => {
  let server: NatsServerProcess;
  let env: MessagingTestEnv;
  let relay: OutboxRelay;
  let consumer: EventConsumer;
  let uow: UnitOfWork;
  let calls = 0;

  beforeAll(async () => {
    server = await NatsServerProcess.start();
    env = await openMessagingTestEnv(
      'reconnect',
      { outboxPollMs: 50, retryBackoffMs: [50, 100], ackWaitMs: 2_000 },
      { natsUrl: server.url },
    );
    relay = new OutboxRelay(env.dataSource, env.nc, env.schema, env.config);
    uow = new UnitOfWork(env.dataSource, env.writer, relay);
    const handler: EventHandler<FeedbackReceivedV1> = {
      event: FeedbackEvents.received,
      async handle(data, tx, envelope) {
        calls++;
        await tx.manager.query('INSERT INTO svc.effects (event_id, feedback_id) VALUES ($1, $2)', [
          envelope.id,
          data.feedbackId,
        ]);
      },
    };
    consumer = new EventConsumer(
      'reconnect',
      [handler],
      env.dataSource,
      uow,
      env.nc,
      env.jsm,
      env.schema,
      env.config,
    );
    relay.start();
    await consumer.start();
  }, 30_000);

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await env?.close();
    await server?.stop();
  });

  async function emit(n: number): Promise<string[]> {
    return uow.run(async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++)
        ids.push((await tx.publish(FeedbackEvents.received, feedbackReceived())).id);
      return ids;
    });
  }

  const effects = async () => {
    const rows: { n: string; d: string }[] = await env.dataSource.query(
      'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM svc.effects',
    );
    return { total: Number(rows[0].n), distinct: Number(rows[0].d) };
  };

  /** How many of `ids` the relay has (re)sent since `since`. */
  async function sentSince(ids: string[], since: Date): Promise<number> {
    return env.count('SELECT count(*) AS n FROM svc.outbox WHERE id = ANY($1) AND sent_at > $2', [
      ids,
      since,
    ]);
  }

  /** Every id is in the stream, the effects are exactly one per event, nothing was dead-lettered. */
  async function expectExactlyOnce(ids: string[]): Promise<void> {
    const stream = await readStream(env.nc, env.jsm, env.config.streamName);
    const inStream = new Set(stream.map((m) => m.body.id));
    expect(ids.filter((id) => !inStream.has(id))).toEqual([]);
    expect(await effects()).toEqual({ total: ids.length, distinct: ids.length });
    expect(await env.count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'reconnect'`)).toBe(
      ids.length,
    );
    expect(calls).toBe(ids.length);
    expect(await env.count('SELECT count(*) AS n FROM svc.dead_letters')).toBe(0);
  }

  const all: string[] = [];

  it('re-publishes recent events after the broker is SIGKILLed and handles every event exactly once', async () => {
    const before = await emit(50);
    await pollUntil(effects, (e) => e.distinct === 50, {
      timeoutMs: 10_000,
      what: 'the first 50 events handled',
    });

    await server.kill('SIGKILL');
    // Written while the broker is down: the relay keeps them until it can publish them.
    const during = await emit(25);
    const restartedAt = new Date();
    await server.restart();

    // The relay noticed the reconnect and sent every recent row again, with the same ids.
    await pollUntil(
      () => sentSince(before, restartedAt),
      (n) => n === 50,
      {
        timeoutMs: 20_000,
        what: 'the relay to re-publish the 50 recent rows',
      },
    );

    const after = await emit(25);
    all.push(...before, ...during, ...after);
    await pollUntil(effects, (e) => e.distinct === 100, {
      timeoutMs: 20_000,
      what: 'all 100 events handled',
    });
    await expectExactlyOnce(all);
  }, 60_000);

  it('recovers when the broker comes back without its store: stream re-created and refilled, consumer re-created', async () => {
    await server.loseStore();
    const restartedAt = new Date();
    await server.restart();
    await pollUntil(
      () => sentSince(all, restartedAt),
      (n) => n === all.length,
      {
        timeoutMs: 20_000,
        what: 'the relay to re-publish every recent row into the new stream',
      },
    );

    const after = await emit(20);
    all.push(...after);
    await pollUntil(effects, (e) => e.distinct === all.length, {
      timeoutMs: 20_000,
      what: 'the events written after the restart handled',
    });
    await expectExactlyOnce(all);
  }, 60_000);
});
