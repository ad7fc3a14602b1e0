import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { FeedbackEvents } from '@closeloop/contracts';
import { pollUntil } from '@closeloop/testing';
import { eventSubject } from '@closeloop/contracts';
import { ensureEventStream } from './nats';
import { OutboxRelay } from './outbox-relay';
import {
  feedbackReceived,
  openMessagingTestEnv,
  readStream,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

interface OutboxRow {
  id: string;
  sent_at: Date | null;
  stream_seq: string | null;
  attempts: number;
  last_error: string | null;
}

/** Every message published under the prefix, as core NATS sees it: before JetStream drops duplicates. */
function tap(nc: NatsConnection, subject: string): { ids: string[]; sub: Subscription } {
  const ids: string[] = [];
  const sub = nc.subscribe(subject, {
    callback: (_error, msg) => {
      ids.push(msg.headers?.get('Nats-Msg-Id') ?? '?');
    },
  });
  return { ids, sub };
}

// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('outbox relay against real Postgres and JetStream', () => {
  let env: MessagingTestEnv;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    // No stream at first: the first test checks nothing is marked sent without a JetStream ack.
    env = await openMessagingTestEnv(
      'relay',
      { outboxBatchSize: 100, outboxPollMs: 50 },
      { createStream: false },
    );
  });

  afterAll(async () => {
    await Promise.allSettled(relays.map((relay) => relay.stop()));
    await env?.close();
  });

  beforeEach(async () => {
    await env.dataSource.query('TRUNCATE svc.outbox');
  });

  async function writeEvents(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < n; done += 500) {
      await env.unitOfWork.run(async (tx) => {
        for (let i = done; i < Math.min(n, done + 500); i++) {
          ids.push((await tx.publish(FeedbackEvents.received, feedbackReceived())).id);
        }
      });
    }
    return ids;
  }

  const outbox = (): Promise<OutboxRow[]> =>
    env.dataSource.query('SELECT id, sent_at, stream_seq, attempts, last_error FROM svc.outbox ORDER BY seq');
  const streamCount = async () => (await env.jsm.streams.info(env.config.streamName)).state.messages;

  it('marks a row sent only after JetStream acked it, with the stream sequence and Nats-Msg-Id = event id', async () => {
    const ids = await writeEvents(5);
    const relay = new OutboxRelay(env.dataSource, env.nc, env.schema, env.config);

    // Nothing stores the subject yet: the publish cannot be acked, so the rows must stay unsent.
    await expect(relay.publishBatch()).resolves.toBe(0);
    let rows = await outbox();
    expect(rows.map((r) => r.sent_at)).toEqual([null, null, null, null, null]);
    expect(rows.map((r) => r.stream_seq)).toEqual([null, null, null, null, null]);
    expect(rows.every((r) => r.attempts === 1 && !!r.last_error)).toBe(true);

    await ensureEventStream(env.jsm, env.config);
    await expect(relay.publishBatch()).resolves.toBe(5);
    rows = await outbox();
    expect(rows.every((r) => r.sent_at !== null && r.last_error === null)).toBe(true);

    const messages = await readStream(env.nc, env.jsm, env.config.streamName);
    expect(messages.map((m) => m.msgId)).toEqual(ids);
    expect(messages.map((m) => m.body.id)).toEqual(ids);
    expect(messages.every((m) => m.subject === eventSubject(env.prefix, 'feedback.received.v1'))).toBe(true);
    // stream_seq is the sequence JetStream gave that very message.
    for (const row of rows) {
      const stored = await env.jsm.streams.getMessage(env.config.streamName, { seq: Number(row.stream_seq) });
      expect(stored?.header.get('Nats-Msg-Id')).toBe(row.id);
    }
  });

  it('publishes each of 2,000 rows exactly once with two relays on the same table (SKIP LOCKED)', async () => {
    await ensureEventStream(env.jsm, env.config);
    const before = await streamCount();
    const N = 2_000;
    const ids = await writeEvents(N);
    const watcher = await env.openNats();
    const seen = tap(watcher, eventSubject(env.prefix, '>'));
    await watcher.flush();

    // Two replicas: own pool, own NATS connection each.
    const [ncA, ncB] = [await env.openNats(), await env.openNats()];
    const relayA = new OutboxRelay(await env.openDataSource(4), ncA, env.schema, env.config);
    const relayB = new OutboxRelay(await env.openDataSource(4), ncB, env.schema, env.config);
    relays.push(relayA, relayB);
    relayA.start();
    relayB.start();

    await pollUntil(
      () => env.count('SELECT count(*) AS n FROM svc.outbox WHERE sent_at IS NULL'),
      (unsent) => unsent === 0,
      { timeoutMs: 30_000, what: 'every outbox row sent' },
    );
    await pollUntil(
      async () => seen.ids.length,
      (n) => n >= N,
      { timeoutMs: 10_000, what: 'the tap to see every publish' },
    );

    // Each relay published some, and together each row exactly once (counted before JetStream's dedupe).
    const byA = ncA.stats().outMsgs;
    const byB = ncB.stats().outMsgs;
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(byA + byB).toBe(N);
    expect(seen.ids).toHaveLength(N);
    expect(new Set(seen.ids).size).toBe(N);

    expect(await streamCount()).toBe(before + N);
    const messages = (await readStream(env.nc, env.jsm, env.config.streamName)).slice(before);
    expect(new Set(messages.map((m) => m.body.id)).size).toBe(N);
    expect(new Set(messages.map((m) => m.msgId))).toEqual(new Set(ids));
    const rows = await outbox();
    expect(new Set(rows.map((r) => r.stream_seq)).size).toBe(N);

    // republishRecent(): the same ids go out again (the tap sees them) and the stream's window drops them.
    const seqsBefore = new Map(rows.map((r) => [r.id, r.stream_seq]));
    const sentBefore = Math.max(...rows.map((r) => r.sent_at!.getTime()));
    await expect(relayA.republishRecent()).resolves.toBe(N);
    await pollUntil(
      async () =>
        (await outbox()).filter((r) => r.sent_at !== null && r.sent_at.getTime() > sentBefore).length,
      (resent) => resent === N,
      { timeoutMs: 30_000, what: 'every row re-sent' },
    );
    await pollUntil(
      async () => seen.ids.length,
      (n) => n >= 2 * N,
      { timeoutMs: 10_000, what: 'the re-publishes' },
    );
    expect(seen.ids).toHaveLength(2 * N);
    expect(new Set(seen.ids).size).toBe(N);
    expect(await streamCount()).toBe(before + N);
    // A duplicate's ack names the original message, so the stored sequence does not change.
    const after = await outbox();
    expect(after.every((r) => r.stream_seq === seqsBefore.get(r.id))).toBe(true);

    await seen.sub.drain();
  }, 60_000);

  it('gives its connection back outside any transaction when the claim fails (issue 14.8)', async () => {
    // One connection in the pool: the relay's, then the next user's.
    const single = await env.openDataSource(1);
    const relay = new OutboxRelay(single, env.nc, env.schema, env.config);
    // The claim's BEGIN runs, its SELECT fails.
    await env.dataSource.query('ALTER TABLE svc.outbox RENAME TO outbox_away');
    try {
      await expect(relay.publishBatch()).rejects.toThrow(/outbox/);
    } finally {
      await env.dataSource.query('ALTER TABLE svc.outbox_away RENAME TO outbox');
    }
    // Left in the aborted transaction, the connection would answer "current transaction is aborted".
    await expect(single.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
    await writeEvents(2);
    await ensureEventStream(env.jsm, env.config);
    await expect(relay.publishBatch()).resolves.toBe(2);
  });
});
