/**
 * Crashes in the middle of a commit group and of a consumer batch: a child process (from dist/, so run
 * `npm run build` first; `npm test` does) is killed with SIGKILL while it works, and what it acknowledged
 * must be there, whole, exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import {
  eventSubject,
  FeedbackEvents,
  TicketEvents,
  type EventEnvelope,
  type FeedbackReceivedV1,
} from '@closeloop/contracts';
import { pollUntil, REPO_ROOT } from '@closeloop/testing';
import { EventConsumer, type EventHandler } from './event-consumer';
import {
  consumerState,
  feedbackReceived,
  openMessagingTestEnv,
  ticketAssigned,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

jest.setTimeout(60_000);

const CHILD = join(REPO_ROOT, 'dist/libs/messaging/src/testing/crash-child.js');
/** The child's ack wait (crash-child.ts): after the kill, its unacked events come back this soon. */
const CHILD_ACK_WAIT_MS = 1_500;

describe('crashes lose nothing acknowledged (real Postgres and JetStream, a killed process)', () => {
  let env: MessagingTestEnv;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run \`npm run build\` first`);
    env = await openMessagingTestEnv('crash');
    await env.dataSource.query('CREATE TABLE svc.keys (key text PRIMARY KEY, owner text NOT NULL)');
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await env?.close();
  });

  /** Starts the child and collects the lines it prints. */
  function startChild(mode: 'group' | 'consumer', durable = ''): { lines: string[]; exited: Promise<void> } {
    const lines: string[] = [];
    child = spawn(process.execPath, [CHILD], {
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        CRASH_MODE: mode,
        CRASH_DATABASE_URL: env.db.url,
        CRASH_PREFIX: env.prefix,
        CRASH_DURABLE: durable,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    return { lines, exited };
  }

  it('keeps every group member whose commit was acknowledged, each whole, after SIGKILL mid-group', async () => {
    const { lines, exited } = startChild('group');
    await pollUntil(
      async () => lines.length,
      (n) => n >= 400,
      { timeoutMs: 30_000, intervalMs: 20, what: '400 acknowledged submissions' },
    );
    child!.kill('SIGKILL');
    await exited;

    const acked = lines.filter((line) => line.startsWith('ack ')).map((line) => line.slice(4));
    expect(acked.length).toBeGreaterThanOrEqual(400);
    const keys = new Set(
      (await env.dataSource.query<{ key: string }[]>('SELECT key FROM svc.keys')).map((row) => row.key),
    );
    expect(acked.filter((key) => !keys.has(key))).toEqual([]);
    // Atomic: every stored key has its effect and its event, and nothing else was stored (a group cut by
    // the kill left nothing behind).
    const [counts] = await env.dataSource.query<
      { keys: string; effects: string; events: string; joined: string }[]
    >(
      `SELECT (SELECT count(*) FROM svc.keys) AS keys, (SELECT count(*) FROM svc.effects) AS effects,
              (SELECT count(*) FROM svc.outbox) AS events,
              (SELECT count(*) FROM svc.keys k
                 JOIN svc.effects e ON e.note = k.key
                 JOIN svc.outbox o ON o.envelope->'data'->>'feedbackId' = k.key) AS joined`,
    );
    expect(Number(counts.effects)).toBe(Number(counts.keys));
    expect(Number(counts.events)).toBe(Number(counts.keys));
    expect(Number(counts.joined)).toBe(Number(counts.keys));
  });

  it('handles every event exactly once when the consumer is killed mid-batch and another takes over', async () => {
    await env.dataSource.query('TRUNCATE svc.outbox, svc.inbox, svc.dead_letters, svc.effects');
    const durable = `crash-${randomUUID().slice(0, 8)}`;
    const total = 400;
    const js = jetstream(env.nc);
    const events: EventEnvelope[] = Array.from({ length: total }, () => ({
      specversion: '1.0',
      id: randomUUID(),
      type: 'feedback.received.v1',
      source: 'closeloop/test',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: feedbackReceived(),
    }));
    let lastSeq = 0;
    for (const event of events) {
      const h = natsHeaders();
      h.set('cl-event-type', event.type);
      lastSeq = (
        await js.publish(eventSubject(env.prefix, event.type), JSON.stringify(event), {
          msgID: event.id,
          headers: h,
        })
      ).seq;
    }

    const { exited } = startChild('consumer', durable);
    await pollUntil(
      () => env.count('SELECT count(*) AS n FROM svc.effects'),
      (n) => n >= 100,
      { timeoutMs: 30_000, intervalMs: 20, what: 'the child to handle 100 events' },
    );
    child!.kill('SIGKILL');
    await exited;
    const handledBeforeKill = await env.count('SELECT count(*) AS n FROM svc.effects');
    expect(handledBeforeKill).toBeLessThan(total);

    // Another replica takes over the durable consumer; what the child held unacked comes back to it.
    const handler: EventHandler<FeedbackReceivedV1> = {
      event: FeedbackEvents.received,
      async handle(data, tx, envelope) {
        await tx.manager.query('INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, $3)', [
          envelope.id,
          data.feedbackId,
          'successor',
        ]);
        await tx.publish(TicketEvents.assigned, ticketAssigned({ ticketNo: data.ticketNo }));
      },
    };
    const successor = new EventConsumer(
      durable,
      [handler],
      env.dataSource,
      env.unitOfWork,
      env.nc,
      env.jsm,
      env.schema,
      { ...env.config, ackWaitMs: CHILD_ACK_WAIT_MS, consumerConcurrency: 2, consumerBatchSize: 16 },
    );
    await successor.start();
    try {
      await pollUntil(
        () => consumerState(env.jsm, env.config.streamName, durable),
        (s) => s.delivered >= lastSeq && s.pending === 0 && s.ackPending === 0,
        { timeoutMs: 30_000, what: 'the successor to settle' },
      );
    } finally {
      await successor.stop();
    }

    const [counts] = await env.dataSource.query<
      { effects: string; distinct_events: string; inbox: string; emitted: string }[]
    >(
      `SELECT (SELECT count(*) FROM svc.effects) AS effects,
              (SELECT count(DISTINCT event_id) FROM svc.effects) AS distinct_events,
              (SELECT count(*) FROM svc.inbox WHERE consumer = $1) AS inbox,
              (SELECT count(*) FROM svc.outbox WHERE event_type = 'ticket.assigned.v1') AS emitted`,
      [durable],
    );
    expect(counts).toEqual({
      effects: String(total),
      distinct_events: String(total),
      inbox: String(total),
      emitted: String(total),
    });
    expect(await env.count('SELECT count(*) AS n FROM svc.dead_letters')).toBe(0);
  });
});
