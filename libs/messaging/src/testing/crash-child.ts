/**
 * A process for the crash tests (crash.int-spec.ts), which start it from dist/ and kill it with SIGKILL
 * in the middle of its work. Environment: CRASH_MODE, CRASH_DATABASE_URL, CRASH_PREFIX, CRASH_DURABLE.
 *
 * - `group`: 16 callers submit through a GroupedUnitOfWork without pause; each prints `ack <key>` once its
 *   run() resolved, i.e. once its commit was acknowledged, as intake answers a caller.
 * - `consumer`: a batched EventConsumer whose handler records each event and emits one, slowly enough
 *   that batches are in progress when the kill lands.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { FeedbackEvents, TicketEvents, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { createServiceDataSource } from '@closeloop/persistence';
import { defaultMessagingConfig } from '../config';
import { EventConsumer } from '../event-consumer';
import { GroupedUnitOfWork } from '../grouped-unit-of-work';
import { OutboxWriter } from '../outbox';
import { DeferredInsert, UnitOfWork } from '../unit-of-work';
import { feedbackReceived, ticketAssigned, TEST_SCHEMA } from './messaging-test-env';

export const CRASH_ACK_WAIT_MS = 1_500;
const INSERT_KEY = new DeferredInsert<{ key: string; owner: string }>('svc.keys', {
  key: 'key',
  owner: 'owner',
});

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const mode = required('CRASH_MODE');
  const dataSource = await createServiceDataSource({
    url: required('CRASH_DATABASE_URL'),
    schema: TEST_SCHEMA,
    entities: [],
    migrations: [],
    poolSize: 8,
    applicationName: 'closeloop-crash-child',
  }).initialize();
  const writer = new OutboxWriter(TEST_SCHEMA, 'closeloop/crash-child');
  const relay = { kick: () => undefined };

  if (mode === 'group') {
    const uow = new GroupedUnitOfWork(dataSource, writer, relay, { maxGroupSize: 32, maxInFlight: 2 });
    const caller = async () => {
      for (;;) {
        const key = randomUUID();
        await uow.run(async (tx) => {
          await tx.manager.query('INSERT INTO svc.effects (feedback_id, note) VALUES ($1, $2)', [key, key]);
          tx.deferInsert(INSERT_KEY, { key, owner: 'crash-child' });
          await tx.publish(FeedbackEvents.received, feedbackReceived({ feedbackId: key }));
        });
        process.stdout.write(`ack ${key}\n`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, caller));
    return;
  }

  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const config = {
    ...defaultMessagingConfig(required('CRASH_PREFIX')),
    ackWaitMs: CRASH_ACK_WAIT_MS,
    consumerConcurrency: 2,
    consumerBatchSize: 16,
  };
  const consumer = new EventConsumer(
    required('CRASH_DURABLE'),
    [
      {
        event: FeedbackEvents.received,
        async handle(data: FeedbackReceivedV1, tx, envelope) {
          await tx.manager.query(
            'INSERT INTO svc.effects (event_id, feedback_id, note) VALUES ($1, $2, $3)',
            [envelope.id, data.feedbackId, 'crash-child'],
          );
          await tx.manager.query('SELECT pg_sleep(0.002)');
          await tx.publish(TicketEvents.assigned, ticketAssigned({ ticketNo: data.ticketNo }));
        },
      },
    ],
    dataSource,
    new UnitOfWork(dataSource, writer, relay),
    nc,
    await jetstreamManager(nc),
    TEST_SCHEMA,
    config,
  );
  await consumer.start();
  process.stdout.write('consuming\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
