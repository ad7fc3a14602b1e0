import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import {
  FeedbackEvents,
  TicketEvents,
  eventSubject,
  type EventEnvelope,
  type FeedbackReceivedV1,
} from '@closeloop/contracts';
import { CORRELATION_HEADER, currentCorrelationId } from '@closeloop/observability';
import { pollUntil } from '@closeloop/testing';
import { EventConsumer, PermanentEventError, type EventHandler } from './event-consumer';
import {
  consumerState,
  feedbackReceived,
  openMessagingTestEnv,
  ticketAssigned,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

interface DeadLetterRow {
  id: string;
  event_id: string | null;
  event_type: string;
  body: EventEnvelope | null;
  raw: string | null;
  error: string;
  deliveries: number;
  stream_seq: string | null;
  replayed_at: Date | null;
}

// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('event consumer against real Postgres and JetStream', () => {
  let env: MessagingTestEnv;
  const consumers: EventConsumer[] = [];
  /** Run after each test: releases anything a failed test left blocked, then stops its consumers. */
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    env = await openMessagingTestEnv('consumer', {
      maxDeliveries: 3,
      retryBackoffMs: [50, 100],
      consumerConcurrency: 8,
    });
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
    await env?.close();
  });

  afterEach(async () => {
    cleanups.splice(0).forEach((cleanup) => cleanup());
    await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.stop()));
  });

  beforeEach(async () => {
    // Every test starts from an empty stream, so a new durable consumer sees only this test's events.
    await env.jsm.streams.purge(env.config.streamName);
    await env.dataSource.query('TRUNCATE svc.outbox, svc.inbox, svc.dead_letters, svc.effects');
  });

  function envelope(data: FeedbackReceivedV1 | Record<string, unknown>, id = randomUUID()): EventEnvelope {
    return {
      specversion: '1.0',
      id,
      type: 'feedback.received.v1',
      source: 'closeloop/test',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      correlationid: `corr-${id}`,
      data,
    };
  }

  /** Publishes straight to the stream; `msgId` defaults to the event id, as the relay does. */
  async function publish(body: EventEnvelope | string, msgId?: string): Promise<number> {
    // The headers the relay sets.
    const h = natsHeaders();
    h.set('cl-event-type', 'feedback.received.v1');
    if (typeof body !== 'string' && body.correlationid) h.set(CORRELATION_HEADER, body.correlationid);
    const id = typeof body === 'string' ? randomUUID() : body.id;
    const ack = await jetstream(env.nc).publish(
      eventSubject(env.prefix, 'feedback.received.v1'),
      typeof body === 'string' ? body : JSON.stringify(body),
      { msgID: msgId ?? id, headers: h },
    );
    return ack.seq;
  }

  async function startConsumer(
    name: string,
    handler: EventHandler<FeedbackReceivedV1>,
  ): Promise<EventConsumer> {
    const consumer = new EventConsumer(
      name,
      [handler],
      env.dataSource,
      env.unitOfWork,
      env.nc,
      env.jsm,
      env.schema,
      env.config,
    );
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  }

  /** Every message up to `lastSeq` delivered, and acked or terminated: the consumer has nothing in hand. */
  function settled(name: string, lastSeq: number) {
    return pollUntil(
      () => consumerState(env.jsm, env.config.streamName, name),
      (s) => s.delivered >= lastSeq && s.pending === 0 && s.ackPending === 0,
      { timeoutMs: 10_000, what: `consumer ${name} to settle at ${lastSeq}` },
    );
  }

  const count = (sql: string, params?: unknown[]) => env.count(sql, params);
  const deadLetters = (): Promise<DeadLetterRow[]> =>
    env.dataSource.query(
      'SELECT id, event_id, event_type, body, raw, error, deliveries, stream_seq, replayed_at FROM svc.dead_letters ORDER BY failed_at',
    );

  /** Records the event in `effects` and emits ticket.assigned.v1 from the same transaction. */
  function recordingHandler(
    calls: { n: number; at: number[] },
    fail?: (call: number, data: FeedbackReceivedV1) => void,
  ) {
    const handler: EventHandler<FeedbackReceivedV1> = {
      event: FeedbackEvents.received,
      async handle(data, tx, event) {
        calls.n++;
        calls.at.push(Date.now());
        fail?.(calls.n, data);
        await tx.manager.query('INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, $3)', [
          event.id,
          data.feedbackId,
          currentCorrelationId() ?? null,
        ]);
        await tx.publish(TicketEvents.assigned, ticketAssigned({ ticketNo: data.ticketNo }));
      },
    };
    return handler;
  }

  it('handles a redelivered or re-published event once: one effect, one inbox row, one emitted event', async () => {
    const calls = { n: 0, at: [] as number[] };
    const events = Array.from({ length: 20 }, () => envelope(feedbackReceived()));
    // Each event three times under different Nats-Msg-Ids, so the stream really holds the duplicates.
    let lastSeq = 0;
    for (const copy of ['a', 'b', 'c']) {
      for (const event of events) lastSeq = await publish(event, `${event.id}:${copy}`);
    }
    expect((await env.jsm.streams.info(env.config.streamName)).state.messages).toBe(60);

    await startConsumer('dup', recordingHandler(calls));
    await settled('dup', lastSeq);

    expect(calls.n).toBe(20);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(20);
    expect(await count('SELECT count(DISTINCT event_id) AS n FROM svc.effects')).toBe(20);
    expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'dup'`)).toBe(20);
    expect(await count(`SELECT count(*) AS n FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`)).toBe(
      20,
    );
    expect(await count('SELECT count(*) AS n FROM svc.dead_letters')).toBe(0);
    // The handler ran in the event's correlation context (from the message header).
    const notes: { note: string; event_id: string }[] = await env.dataSource.query(
      'SELECT note, event_id FROM svc.effects',
    );
    expect(notes.every((row) => row.note === `corr-${row.event_id}`)).toBe(true);
  });

  it('acks only after the handler transaction commits', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(() => release());
    let entered = false;
    const calls = { n: 0, at: [] as number[] };
    const inner = recordingHandler(calls);
    const seq = await publish(envelope(feedbackReceived()));
    await startConsumer('ack-after-commit', {
      event: FeedbackEvents.received,
      async handle(data, tx, e) {
        await inner.handle(data, tx, e);
        entered = true;
        await gate;
      },
    });

    await pollUntil(
      async () => entered,
      (v) => v,
      { what: 'the handler to run' },
    );
    const during = await consumerState(env.jsm, env.config.streamName, 'ack-after-commit');
    expect(during.ackPending).toBe(1);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(0);

    release();
    await settled('ack-after-commit', seq);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(1);
    expect(calls.n).toBe(1);
  });

  it('retries a transient failure with backoff and handles the event once, without a dead letter', async () => {
    const calls = { n: 0, at: [] as number[] };
    const event = envelope(feedbackReceived());
    const seq = await publish(event);
    await startConsumer(
      'transient',
      recordingHandler(calls, (call) => {
        if (call <= 2) throw new Error(`database hiccup #${call}`);
      }),
    );

    await pollUntil(
      () => count('SELECT count(*) AS n FROM svc.effects'),
      (n) => n === 1,
      { what: 'the effect' },
    );
    await settled('transient', seq);

    expect(calls.n).toBe(3);
    // nak delays from retryBackoffMs: 50 ms after the first failure, 100 ms after the second.
    expect(calls.at[1] - calls.at[0]).toBeGreaterThanOrEqual(45);
    expect(calls.at[2] - calls.at[1]).toBeGreaterThanOrEqual(95);
    expect(await count('SELECT count(*) AS n FROM svc.dead_letters')).toBe(0);
    expect(
      await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'transient' AND event_id = $1`, [
        event.id,
      ]),
    ).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`)).toBe(
      1,
    );
  });

  it('dead-letters after maxDeliveries, at once for invalid or permanent failures, and replays once', async () => {
    let fixed = false;
    const calls = { n: 0, at: [] as number[] };
    const consumer = await startConsumer(
      'dlq',
      recordingHandler(calls, (_call, data) => {
        if (fixed) return;
        if (data.category === 'service.attitude')
          throw new PermanentEventError('no such department: attitude');
        throw new Error('ledger unavailable: boom-42');
      }),
    );

    // 1. Always failing: exactly maxDeliveries (3) attempts, then one dead letter with the error.
    const failing = envelope(feedbackReceived());
    const failingSeq = await publish(failing);
    await pollUntil(deadLetters, (rows) => rows.length === 1, { what: 'the first dead letter' });
    await settled('dlq', failingSeq);
    expect(calls.n).toBe(3);
    let rows = await deadLetters();
    expect(rows[0]).toMatchObject({
      event_id: failing.id,
      event_type: 'feedback.received.v1',
      deliveries: 3,
      stream_seq: String(failingSeq),
      replayed_at: null,
      raw: null,
    });
    expect(rows[0].error).toContain('ledger unavailable: boom-42');
    expect(rows[0].body?.id).toBe(failing.id);

    // 2. Invalid payload: no handler call, one delivery.
    const invalid = envelope({ ...feedbackReceived(), level: 'L9' });
    await publish(invalid);
    // 3. A permanent failure from the handler: one delivery.
    const permanent = envelope(feedbackReceived({ category: 'service.attitude' }));
    await publish(permanent);
    // 4. Not even JSON.
    const lastSeq = await publish('{"this is": not json');
    await pollUntil(deadLetters, (r) => r.length === 4, { what: 'four dead letters' });
    await settled('dlq', lastSeq);

    rows = await deadLetters();
    const byEvent = (id: string | null) => rows.find((row) => row.event_id === id)!;
    expect(byEvent(invalid.id)).toMatchObject({ deliveries: 1 });
    expect(byEvent(invalid.id).error).toMatch(/level/);
    expect(byEvent(permanent.id)).toMatchObject({ deliveries: 1, error: 'no such department: attitude' });
    expect(byEvent(null)).toMatchObject({ deliveries: 1, body: null, raw: '{"this is": not json' });
    expect(calls.n).toBe(4); // 3 for the failing event + 1 for the permanent one; none for the invalid one
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM svc.inbox')).toBe(0);
    expect((await consumer.listDeadLetters()).map((view) => view.eventId).sort()).toEqual(
      [failing.id, invalid.id, permanent.id, null].sort(),
    );

    // 5. Fix the handler and replay: the two handler failures are handled once; the others fail again.
    fixed = true;
    const first = await consumer.replayDeadLetters();
    expect(first.replayed.sort()).toEqual([byEvent(failing.id).id, byEvent(permanent.id).id].sort());
    expect(first.failed.map((f) => f.id).sort()).toEqual([byEvent(invalid.id).id, byEvent(null).id].sort());
    expect(calls.n).toBe(6);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'dlq'`)).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`)).toBe(
      2,
    );
    rows = await deadLetters();
    expect(byEvent(failing.id).replayed_at).toBeInstanceOf(Date);
    expect(byEvent(permanent.id).replayed_at).toBeInstanceOf(Date);
    expect(byEvent(invalid.id).replayed_at).toBeNull();
    // The replayed effect carries the original event's correlation id.
    const replayedNote: { note: string }[] = await env.dataSource.query(
      'SELECT note FROM svc.effects WHERE event_id = $1',
      [failing.id],
    );
    expect(replayedNote[0].note).toBe(`corr-${failing.id}`);

    // 6. A second replay does nothing more.
    const second = await consumer.replayDeadLetters();
    expect(second.replayed).toEqual([]);
    expect(calls.n).toBe(6);
    expect(await count('SELECT count(*) AS n FROM svc.effects')).toBe(2);
    expect((await consumer.listDeadLetters()).map((view) => view.eventId).sort()).toEqual(
      [invalid.id, null].sort(),
    );
    expect(await consumer.listDeadLetters({ includeReplayed: true })).toHaveLength(4);

    // The broker holds nothing for redelivery: dead letters were terminated, not left to time out.
    const state = await consumerState(env.jsm, env.config.streamName, 'dlq');
    expect(state).toMatchObject({ pending: 0, ackPending: 0 });
  }, 30_000);
});
