/**
 * Decorated message edges (decision 0019) served on the platform's runtime, real Postgres and JetStream: a
 * `@MessagePattern` method answers through RpcServer (validation, correlation id, DomainError as a refusal),
 * an `@EventPattern` method runs in the consumer's transaction with its inbox row (a failure writes
 * nothing; a DomainError is dead-lettered at once), and a batch method gets a delivery batch in one call.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Controller, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { IsBoolean, IsOptional, IsString, IsUUID } from 'class-validator';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { currentCorrelationId, runWithContext } from '@closeloop/observability';
import { messagingTablesUp, scheduledJobsTableUp } from '@closeloop/persistence';
import { defaultMessagingConfig, ensureEventStream, type BatchEvent } from '@closeloop/messaging';
import { defineEvent, defineRpc, DomainError } from '@closeloop/contracts';
import {
  createTestScope,
  pollUntil,
  publishTestEvent,
  requireEnv,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { CommonEnv } from './env';
import { EventPattern, MessagePattern } from './message-patterns';
import type { EventContext, RequestContext } from './messaging-transport';
import { PlatformModule } from './platform.module';

jest.setTimeout(60_000);

class EchoRequest {
  @IsString()
  text!: string;

  @IsOptional()
  @IsBoolean()
  refuse?: boolean;
}

class NotedV1 {
  @IsUUID()
  noteId!: string;

  @IsOptional()
  @IsBoolean()
  fail?: boolean;
}

const EchoRpc = defineRpc<EchoRequest, { text: string; correlationId?: string; rpc: string }>(
  'intake',
  'probe.echo',
  EchoRequest,
);
const Noted = defineEvent('probe.noted.v1', NotedV1, 'test');
const Counted = defineEvent('probe.counted.v1', NotedV1, 'test');
const Single = defineEvent('probe.single.v1', NotedV1, 'test');

class ProbeInitial1700000000000 implements MigrationInterface {
  name = 'ProbeInitial1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SCHEMA IF NOT EXISTS "probe"');
    for (const sql of [...messagingTablesUp('probe'), ...scheduledJobsTableUp('probe')])
      await queryRunner.query(sql);
    await queryRunner.query('CREATE TABLE "probe"."notes" (id uuid PRIMARY KEY, kind text NOT NULL)');
  }
  async down(): Promise<void> {}
}

const seen = { inits: 0, echoes: 0, batches: [] as number[], singles: [] as number[] };

@Controller()
class ProbeHandler implements OnModuleInit {
  onModuleInit(): void {
    seen.inits += 1;
  }

  @MessagePattern(EchoRpc)
  async echo(@Payload() request: EchoRequest, @Ctx() context: RequestContext) {
    seen.echoes += 1;
    if (request.refuse) throw new DomainError('NOT_FOUND', 'no such probe');
    return { text: request.text, correlationId: currentCorrelationId(), rpc: context.definition.name };
  }

  @EventPattern(Noted, { consumer: 'probe-noted' })
  async noted(@Payload() data: NotedV1, @Ctx() { tx, envelope }: EventContext): Promise<void> {
    await tx.manager.query('INSERT INTO probe.notes (id, kind) VALUES ($1, $2)', [
      data.noteId,
      envelope?.type,
    ]);
    if (data.fail) throw new DomainError('FORBIDDEN', 'refused after writing');
  }

  @EventPattern(Counted, { consumer: 'probe-counted', batch: true })
  async counted(@Payload() events: BatchEvent<NotedV1>[], @Ctx() { tx }: EventContext): Promise<void> {
    seen.batches.push(events.length);
    for (const { data } of events) {
      await tx.manager.query('INSERT INTO probe.notes (id, kind) VALUES ($1, $2)', [data.noteId, 'counted']);
    }
  }
}

@Controller()
class SingleHandler {
  @EventPattern(Single, { consumer: 'probe-single', batch: true, batchSize: 1 })
  async single(@Payload() events: BatchEvent<NotedV1>[], @Ctx() { tx }: EventContext): Promise<void> {
    seen.singles.push(events.length);
    for (const { data } of events) {
      await tx.manager.query('INSERT INTO probe.notes (id, kind) VALUES ($1, $2)', [data.noteId, 'single']);
    }
  }
}

@Module({})
class ProbeModule {
  static register(env: CommonEnv): DynamicModule {
    return {
      module: ProbeModule,
      imports: [
        PlatformModule.forRoot({
          service: 'intake',
          schema: 'probe',
          env,
          entities: [],
          migrations: [ProbeInitial1700000000000],
        }),
      ],
      controllers: [ProbeHandler, SingleHandler],
    };
  }
}

let db: TestDatabase;
let prefix: string;
let scope: TestScope;
let service: InProcessService;
const early = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const earlySingles = [randomUUID(), randomUUID(), randomUUID()];

beforeAll(async () => {
  scope = await createTestScope('edges');
  ({ db, prefix } = scope);
  // Events waiting before the service starts arrive in one pull: the batch method gets them together.
  const nc = await connect({ servers: requireEnv('NATS_URL') });
  await ensureEventStream(await jetstreamManager(nc), defaultMessagingConfig(prefix));
  await nc.close();
  for (const noteId of early) await publishTestEvent(prefix, Counted.type, { noteId });
  for (const noteId of earlySingles) await publishTestEvent(prefix, Single.type, { noteId });
  service = await scope.start(CommonEnv, (env) => ProbeModule.register(env));
});

afterAll(() => scope?.close());

const notes = (ids: string[]) =>
  db.query<{ id: string; kind: string }>('SELECT id, kind FROM probe.notes WHERE id = ANY($1) ORDER BY id', [
    ids,
  ]);

it('runs the module hooks once: the microservice does not run them again', () => {
  expect(seen.inits).toBe(1);
});

it('answers a @MessagePattern method through RpcServer, with the caller’s correlation id', async () => {
  const correlationId = randomUUID();
  const reply = await runWithContext({ correlationId }, () => service.rpc.request(EchoRpc, { text: 'hi' }));
  expect(reply).toEqual({ text: 'hi', correlationId, rpc: 'probe.echo' });
});

it('refuses with the handler’s DomainError, and validates the request before the handler', async () => {
  await expect(service.rpc.request(EchoRpc, { text: 'x', refuse: true })).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: 'no such probe',
  });
  const before = seen.echoes;
  await expect(service.rpc.request(EchoRpc, { text: 42 } as unknown as EchoRequest)).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
  });
  expect(seen.echoes).toBe(before);
});

it('handles an @EventPattern event once in the consumer’s transaction, however often it is delivered', async () => {
  const noteId = randomUUID();
  await publishTestEvent(prefix, Noted.type, { noteId }, { times: 3 });
  await pollUntil(
    () => notes([noteId]),
    (rows) => rows.length === 1,
    { what: 'the note' },
  );
  expect(await notes([noteId])).toEqual([{ id: noteId, kind: 'probe.noted.v1' }]);
  const inbox = await db.query('SELECT 1 FROM probe.inbox WHERE consumer = $1', ['intake-probe-noted']);
  expect(inbox.length).toBeGreaterThanOrEqual(1);
});

it('rolls back what a failing handler wrote and dead-letters a DomainError at once', async () => {
  const noteId = randomUUID();
  const eventId = await publishTestEvent(prefix, Noted.type, { noteId, fail: true });
  const [letter] = await pollUntil(
    () =>
      db.query<{ deliveries: number; error: string }>(
        'SELECT deliveries, error FROM probe.dead_letters WHERE event_id = $1',
        [eventId],
      ),
    (rows) => rows.length === 1,
    { what: 'the dead letter' },
  );
  expect(letter).toEqual({ deliveries: 1, error: 'refused after writing' });
  expect(await notes([noteId])).toEqual([]);
});

it('gives a batch method the events of a delivery batch together, and a lone event as a batch of one', async () => {
  await pollUntil(
    () => notes(early),
    (rows) => rows.length === early.length,
    { what: 'the early notes' },
  );
  expect(Math.max(...seen.batches)).toBeGreaterThan(1);
  const lone = randomUUID();
  const calls = seen.batches.length;
  await publishTestEvent(prefix, Counted.type, { noteId: lone });
  await pollUntil(
    () => notes([lone]),
    (rows) => rows.length === 1,
    { what: 'the lone note' },
  );
  expect(seen.batches.slice(calls)).toEqual([1]);
});

it('keeps a consumer to its own batch size (batchSize: 1 handles the same waiting events one at a time)', async () => {
  await pollUntil(
    () => notes(earlySingles),
    (rows) => rows.length === earlySingles.length,
    { what: 'the single notes' },
  );
  expect(seen.singles).toEqual([1, 1, 1]);
});
