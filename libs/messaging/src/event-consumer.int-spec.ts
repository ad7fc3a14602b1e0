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
    ...handlers: [EventHandler<FeedbackReceivedV1>, ...EventHandler<object>[]]
  ): Promise<EventConsumer> {
    const consumer = new EventConsumer(
      name,
      handlers,
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

  describe('batches: the events delivered together are handled in one transaction', () => {
    /** Records the event with the id of the transaction it ran in, and emits ticket.assigned.v1. */
    function batchHandler(
      calls: string[],
      fail?: (data: FeedbackReceivedV1) => void,
    ): EventHandler<FeedbackReceivedV1> {
      return {
        event: FeedbackEvents.received,
        async handle(data, tx, event) {
          calls.push(event.id);
          fail?.(data);
          await tx.manager.query(
            'INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, txid_current()::text)',
            [event.id, data.feedbackId],
          );
          await tx.publish(TicketEvents.assigned, ticketAssigned({ ticketNo: data.ticketNo }));
        },
      };
    }

    const effects = (): Promise<{ event_id: string; note: string }[]> =>
      env.dataSource.query('SELECT event_id, note FROM svc.effects ORDER BY id');

    it('handles a backlog in a few transactions, each event once, with its own correlation id', async () => {
      const events = Array.from({ length: 40 }, () => envelope(feedbackReceived()));
      let lastSeq = 0;
      for (const event of events) lastSeq = await publish(event);
      const calls: string[] = [];
      const correlations: string[] = [];
      const inner = batchHandler(calls);
      await startConsumer('batch-backlog', {
        event: FeedbackEvents.received,
        async handle(data, tx, event) {
          correlations.push(currentCorrelationId() ?? '');
          await inner.handle(data, tx, event);
        },
      });
      await settled('batch-backlog', lastSeq);

      const rows = await effects();
      expect(rows.map((row) => row.event_id).sort()).toEqual(events.map((e) => e.id).sort());
      expect(calls).toHaveLength(40);
      // 40 events, at most 32 per batch: a few transactions, not 40.
      expect(new Set(rows.map((row) => row.note)).size).toBeLessThanOrEqual(8);
      expect(correlations.sort()).toEqual(events.map((e) => `corr-${e.id}`).sort());
      expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'batch-backlog'`)).toBe(40);
      const emitted: { c: string }[] = await env.dataSource.query(
        `SELECT envelope->>'correlationid' AS c FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`,
      );
      expect(emitted.map((row) => row.c).sort()).toEqual(events.map((e) => `corr-${e.id}`).sort());
    });

    it('gives a handler with handleBatch the batch’s new events in one call, in delivery order', async () => {
      const events = Array.from({ length: 40 }, () => envelope(feedbackReceived()));
      let lastSeq = 0;
      for (const event of events) lastSeq = await publish(event);
      const batches: string[][] = [];
      const single: string[] = [];
      await startConsumer('batch-calls', {
        event: FeedbackEvents.received,
        async handle(data, tx, event) {
          single.push(event.id);
          await tx.manager.query(
            'INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, txid_current()::text)',
            [event.id, data.feedbackId],
          );
        },
        async handleBatch(batch, tx) {
          batches.push(batch.map((e) => e.envelope.id));
          for (const { envelope: event, data } of batch) {
            await tx.manager.query(
              'INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, txid_current()::text)',
              [event.id, data.feedbackId],
            );
          }
        },
      });
      await settled('batch-calls', lastSeq);
      const handled = [...batches.flat(), ...single];
      expect(handled.sort()).toEqual(events.map((e) => e.id).sort());
      // A backlog of 40 goes in a few calls of up to 32, each in the order the events were published.
      expect(batches.length).toBeGreaterThan(0);
      expect(batches.length).toBeLessThanOrEqual(8);
      const order = new Map(events.map((e, i) => [e.id, i]));
      for (const batch of batches) {
        const positions = batch.map((id) => order.get(id)!);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
      }
      expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'batch-calls'`)).toBe(40);
      const rows = await effects();
      expect(rows.filter((row) => order.has(row.event_id))).toHaveLength(40);
    });

    it('dead-letters a poison event alone; the others of its batch commit once', async () => {
      const events = Array.from({ length: 30 }, (_, i) =>
        envelope(
          feedbackReceived({
            category: i === 10 ? 'service.attitude' : i === 20 ? 'product.performance' : 'product.defect',
          }),
        ),
      );
      // An invalid payload and a body that is not JSON in the same backlog.
      const invalid = envelope({ ...feedbackReceived(), level: 'L9' });
      for (const event of events.slice(0, 15)) await publish(event);
      await publish(invalid);
      await publish('{"not": json');
      let lastSeq = 0;
      for (const event of events.slice(15)) lastSeq = await publish(event);
      const calls: string[] = [];
      await startConsumer(
        'batch-poison',
        batchHandler(calls, (data) => {
          if (data.category === 'service.attitude') throw new PermanentEventError('no such department');
          if (data.category === 'product.performance') throw new Error('ledger unavailable');
        }),
      );
      await pollUntil(deadLetters, (rows) => rows.length === 4, { what: 'four dead letters' });
      await settled('batch-poison', lastSeq);

      const good = events.filter((_, i) => i !== 10 && i !== 20).map((e) => e.id);
      const rows = await effects();
      expect(rows.map((row) => row.event_id).sort()).toEqual(good.sort());
      expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'batch-poison'`)).toBe(28);
      expect(
        await count(`SELECT count(*) AS n FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`),
      ).toBe(28);
      const letters = await deadLetters();
      const byEvent = (id: string | null) => letters.find((row) => row.event_id === id)!;
      expect(byEvent(events[10].id)).toMatchObject({ deliveries: 1, error: 'no such department' });
      expect(byEvent(events[20].id)).toMatchObject({ deliveries: 3, error: 'ledger unavailable' });
      expect(byEvent(invalid.id)).toMatchObject({ deliveries: 1 });
      expect(byEvent(null)).toMatchObject({ deliveries: 1, raw: '{"not": json' });
    });

    it('changes nothing for duplicates inside a batch or of events already handled', async () => {
      const first = Array.from({ length: 10 }, () => envelope(feedbackReceived()));
      let lastSeq = 0;
      for (const event of first) lastSeq = await publish(event);
      const calls: string[] = [];
      await startConsumer('batch-dup', batchHandler(calls));
      await settled('batch-dup', lastSeq);
      await consumers.splice(0).pop()!.stop();

      // A backlog where each new event comes three times and every handled one once more.
      const fresh = Array.from({ length: 10 }, () => envelope(feedbackReceived()));
      for (const copy of ['a', 'b', 'c']) {
        for (const event of fresh) lastSeq = await publish(event, `${event.id}:${copy}`);
      }
      for (const event of first) lastSeq = await publish(event, `${event.id}:again`);
      await startConsumer('batch-dup', batchHandler(calls));
      await settled('batch-dup', lastSeq);

      const rows = await effects();
      expect(rows.map((row) => row.event_id).sort()).toEqual([...first, ...fresh].map((e) => e.id).sort());
      expect(calls).toHaveLength(20);
      expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'batch-dup'`)).toBe(20);
      expect(
        await count(`SELECT count(*) AS n FROM svc.outbox WHERE event_type = 'ticket.assigned.v1'`),
      ).toBe(20);
    });

    it('acks the events of types it has no handler for without handling or dead-lettering them', async () => {
      const calls: string[] = [];
      const assigned: string[] = [];
      const js = jetstream(env.nc);
      const other = (type: 'ticket.opened.v1' | 'feedback.received.v1', body: string) =>
        js.publish(eventSubject(env.prefix, type), body, { msgID: randomUUID() });
      const wanted = Array.from({ length: 5 }, () => envelope(feedbackReceived()));
      for (const event of wanted) await publish(event);
      // Another type, well formed or not: none of this consumer's business.
      await other('ticket.opened.v1', JSON.stringify({ ...envelope({}), type: 'ticket.opened.v1' }));
      const last = await other('ticket.opened.v1', '{"not": json');
      await startConsumer('batch-types', batchHandler(calls), {
        event: TicketEvents.assigned,
        async handle(_data, _tx, event) {
          assigned.push(event.id);
          return Promise.resolve();
        },
      });
      await settled('batch-types', last.seq);

      expect(calls.sort()).toEqual(wanted.map((e) => e.id).sort());
      expect(assigned).toEqual([]);
      expect(await count('SELECT count(*) AS n FROM svc.dead_letters')).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM svc.inbox WHERE consumer = 'batch-types'`)).toBe(5);
    });
  });
});
