import { randomUUID } from 'node:crypto';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import {
  createServiceDataSource,
  messagingTablesUp,
  quoteIdent,
  runMigrationsLocked,
} from '@closeloop/persistence';
import type { FeedbackReceivedV1, TicketAssignedV1, TicketOpenedV1 } from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  testNats,
  testPrefix,
  type TestDatabase,
} from '@closeloop/testing';
import { defaultMessagingConfig, type MessagingConfig } from '../config';
import { connectNats, ensureEventStream } from '../nats';
import { OutboxWriter } from '../outbox';
import { UnitOfWork } from '../unit-of-work';

/** The schema every messaging integration test works in (each test file has its own database). */
export const TEST_SCHEMA = 'svc';

/**
 * The messaging tables plus one domain table, `effects`, where handlers record what they did. It has no
 * unique constraint on purpose: only the inbox can keep a redelivered event from writing twice.
 */
export function messagingTestMigrations(schema: string = TEST_SCHEMA): (new () => MigrationInterface)[] {
  const s = quoteIdent(schema);
  class MessagingTestInitial1700000000000 implements MigrationInterface {
    name = 'MessagingTestInitial1700000000000';
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      for (const sql of messagingTablesUp(schema)) await queryRunner.query(sql);
      await queryRunner.query(
        `CREATE TABLE ${s}.effects (
           id bigserial PRIMARY KEY,
           event_id uuid,
           feedback_id uuid,
           note text,
           created_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
    }
    down(): Promise<void> {
      return Promise.reject(new Error('not reversible'));
    }
  }
  return [MessagingTestInitial1700000000000];
}

/** A valid `feedback.received.v1` payload. */
export function feedbackReceived(overrides: Partial<FeedbackReceivedV1> = {}): FeedbackReceivedV1 {
  return {
    feedbackId: randomUUID(),
    ticketNo: '202501020001',
    customerId: null,
    channel: 'phone',
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A valid `ticket.opened.v1` payload. */
export function ticketOpened(overrides: Partial<TicketOpenedV1> = {}): TicketOpenedV1 {
  const now = new Date().toISOString();
  return {
    ticketId: randomUUID(),
    ticketNo: '202501020001',
    feedbackId: randomUUID(),
    customerId: null,
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    status: 'classified',
    slaPolicy: 'default',
    due: { firstResponse: now, plan: now },
    openedAt: now,
    ...overrides,
  };
}

/** A valid `ticket.assigned.v1` payload. */
export function ticketAssigned(overrides: Partial<TicketAssignedV1> = {}): TicketAssignedV1 {
  return {
    ticketId: randomUUID(),
    ticketNo: '202501020001',
    department: 'after-sales',
    assigneeId: null,
    assignedAt: new Date().toISOString(),
    ...overrides,
  };
}

export interface MessagingTestEnv {
  db: TestDatabase;
  schema: string;
  prefix: string;
  config: MessagingConfig;
  /** Migrated data source (pool of 8). */
  dataSource: DataSource;
  nc: NatsConnection;
  jsm: JetStreamManager;
  writer: OutboxWriter;
  /** A UnitOfWork whose relay kick is a no-op (tests start their own relays when they need one). */
  unitOfWork: UnitOfWork;
  /** Another data source on the same database, closed by `close()`: a second replica. */
  openDataSource(poolSize?: number): Promise<DataSource>;
  /** Another NATS connection, closed by `close()`. */
  openNats(): Promise<NatsConnection>;
  count(sql: string, params?: unknown[]): Promise<number>;
  /** Destroys data sources, closes connections, deletes the stream, drops the database. */
  close(): Promise<void>;
}

/**
 * One isolated messaging world for a test file: its own database (migrated), its own subject prefix and
 * events stream (created unless `createStream` is false), and connections that `close()` releases.
 */
export async function openMessagingTestEnv(
  label: string,
  overrides: Partial<MessagingConfig> = {},
  options: {
    createStream?: boolean;
    /** A private broker (connected the way services connect: reconnecting forever) instead of NATS_URL. */
    natsUrl?: string;
  } = {},
): Promise<MessagingTestEnv> {
  const db = await createTestDatabase(label);
  const prefix = testPrefix();
  const config = { ...defaultMessagingConfig(prefix), ...overrides };
  const dataSources: DataSource[] = [];
  const connections: NatsConnection[] = [];

  const openDataSource = async (poolSize = 8): Promise<DataSource> => {
    const ds = createServiceDataSource({
      url: db.url,
      schema: TEST_SCHEMA,
      entities: [],
      migrations: messagingTestMigrations(),
      poolSize,
      applicationName: `closeloop-test-${label}`,
    });
    dataSources.push(ds);
    return ds.initialize();
  };
  const openNats = async (): Promise<NatsConnection> => {
    const nc = options.natsUrl
      ? await connectNats(options.natsUrl, `closeloop-test-${label}`)
      : await testNats();
    connections.push(nc);
    return nc;
  };

  const close = async (): Promise<void> => {
    await Promise.allSettled(dataSources.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
    await Promise.allSettled(connections.map((nc) => nc.close()));
    if (!options.natsUrl) await deleteTestStream(prefix).catch(() => undefined);
    await db.drop();
  };

  try {
    const dataSource = await openDataSource();
    await runMigrationsLocked(dataSource, TEST_SCHEMA);
    const nc = await openNats();
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    if (options.createStream !== false) await ensureEventStream(jsm, config);
    const writer = new OutboxWriter(TEST_SCHEMA, `closeloop/test-${label}`);
    const unitOfWork = new UnitOfWork(dataSource, writer, { kick: () => undefined });
    return {
      db,
      schema: TEST_SCHEMA,
      prefix,
      config,
      dataSource,
      nc,
      jsm,
      writer,
      unitOfWork,
      openDataSource,
      openNats,
      async count(sql, params) {
        const rows: { n: string | number }[] = await dataSource.query(sql, params);
        return Number(rows[0]?.n ?? 0);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface StreamMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  body: { id?: string; [key: string]: unknown };
}

/** Reads every message currently in the stream with an ordered consumer (headers included). */
export async function readStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stream: string,
): Promise<StreamMessage[]> {
  const total = (await jsm.streams.info(stream)).state.messages;
  const out: StreamMessage[] = [];
  if (total === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 1000 });
  const collect = (msg: JsMsg) => {
    out.push({
      seq: msg.seq,
      subject: msg.subject,
      msgId: msg.headers?.get('Nats-Msg-Id'),
      body: msg.json(),
    });
  };
  for await (const msg of messages) {
    collect(msg);
    if (out.length >= total) break;
  }
  await messages.close();
  return out;
}

/** A JetStream consumer's counters, for waiting until everything was acked or terminated. */
export async function consumerState(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<{ pending: number; ackPending: number; redelivered: number; delivered: number }> {
  const info = await jsm.consumers.info(stream, durable);
  return {
    pending: info.num_pending,
    ackPending: info.num_ack_pending,
    redelivered: info.num_redelivered,
    delivered: info.delivered.stream_seq,
  };
}
