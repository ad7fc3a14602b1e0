/**
 * routing against real Postgres and JetStream: opens a ticket per feedback.received.v1 exactly once,
 * whatever the redeliveries, dead-letters an invalid event, and answers ticket queries with access checks.
 */
import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { pendingSchemaChanges } from '@closeloop/persistence';
import {
  DomainError,
  eventSubject,
  RoutingRpc,
  type Caller,
  type FeedbackReceivedV1,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  pollUntil,
  startService,
  testNats,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { RoutingModule } from './routing.module';
import { RoutingEnv } from './routing.env';

jest.setTimeout(60_000);

let db: TestDatabase;
let prefix: string;
let routing: InProcessService;
// Product defects go to technical support (R3 dispatch); an agent there may read them.
const agent: Caller = {
  userId: randomUUID(),
  roles: ['agent'],
  departments: ['technical-support'],
  stores: [],
};

function feedbackEvent(overrides: Partial<FeedbackReceivedV1> = {}) {
  const data: FeedbackReceivedV1 = {
    feedbackId: randomUUID(),
    ticketNo: `20261123${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
    customerId: randomUUID(),
    channel: 'hotline',
    type: 'complaint',
    category: 'product.defect',
    level: 'L1',
    receivedAt: '2026-11-23T02:00:00.000Z',
    ...overrides,
  };
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: 'feedback.received.v1',
    source: 'closeloop/intake',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

/** Publishes an envelope to the stream as intake's relay would; `msgId` lets a test store a duplicate. */
async function publish(envelope: object & { id: string }, msgId = envelope.id) {
  const nc = await testNats();
  try {
    const h = natsHeaders();
    await jetstream(nc).publish(eventSubject(prefix, 'feedback.received.v1'), JSON.stringify(envelope), {
      msgID: msgId,
      headers: h,
    });
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  db = await createTestDatabase('routing');
  prefix = testPrefix();
  routing = await startService(RoutingEnv, (env) => RoutingModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { EVENT_MAX_DELIVERIES: '2' },
  });
});

afterAll(async () => {
  await routing?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

it('has entities and migrations in agreement (no pending migration)', async () => {
  expect(await pendingSchemaChanges(routing.dataSource)).toEqual([]);
});

it('opens one ticket with R1 due times even when the event is stored twice', async () => {
  const event = feedbackEvent();
  await publish(event);
  await publish(event, `${event.id}-again`); // a duplicate that JetStream's window does not catch
  const ticket = await pollUntil(
    () => routing.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo: event.data.ticketNo }),
    () => true,
    { what: 'ticket' },
  );
  // R1 seed (001 L1, calendar time) and R5's 24 h progress; 001 sets no resolution time.
  expect(ticket.due).toEqual({
    firstResponse: '2026-11-23T02:10:00.000Z',
    plan: '2026-11-23T04:00:00.000Z',
    progress: '2026-11-24T02:00:00.000Z',
  });
  expect(ticket.slaState).toBe('breached'); // received at a fixed past instant
  await pollUntil(
    () => db.query(`SELECT event_id FROM routing.inbox WHERE event_id = $1`, [event.id]),
    (rows) => rows.length === 1,
  );
  // Both copies have been through the consumer: still one ticket, one history entry and one outgoing event
  // of each kind (opened, and assigned: R3 dispatch to the department's queue, nobody being on shift).
  await pollUntil(
    async () =>
      db.query<{ type: string }>(
        `SELECT event_type AS type FROM routing.outbox WHERE envelope->'data'->>'ticketNo' = $1 ORDER BY seq`,
        [event.data.ticketNo],
      ),
    (rows) => rows.map((row) => row.type).join() === 'ticket.opened.v1,ticket.assigned.v1',
  );
  const tickets = await db.query('SELECT id FROM routing.tickets WHERE feedback_id = $1', [
    event.data.feedbackId,
  ]);
  expect(tickets).toHaveLength(1);
  expect(ticket.history.map((entry) => entry.action)).toEqual(['opened', 'queued']);
});

it('dead-letters an event whose payload breaks the contract, without retrying it', async () => {
  const event = feedbackEvent();
  const broken = { ...event, data: { ...event.data, level: 'L9' } };
  await publish(broken);
  const letters = await pollUntil(
    () =>
      db.query<{ deliveries: number; error: string }>(
        'SELECT deliveries, error FROM routing.dead_letters WHERE event_id = $1',
        [event.id],
      ),
    (rows) => rows.length === 1,
    { what: 'dead letter' },
  );
  expect(letters[0].deliveries).toBe(1);
  expect(letters[0].error).toMatch(/level/);
});

it('answers an unknown ticket with TICKET.NOT_FOUND and a caller without a staff role with FORBIDDEN', async () => {
  await expect(
    routing.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo: '209901010001' }),
  ).rejects.toMatchObject({ code: 'TICKET.NOT_FOUND' });
  const nobody: Caller = { ...agent, roles: [] };
  const error = await routing.rpc
    .request(RoutingRpc.getTicket, { caller: nobody, ticketNo: '209901010001' })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('FORBIDDEN');
});
