/**
 * The floor: one bare Node process, no framework, doing what intake must do at the least for one feedback:
 * one transaction that inserts the feedback row and its outbox row, then one JetStream publish per row
 * (with a message id, pipelined with a bounded number in flight, like the outbox relay). Only `pg`,
 * the NATS client and node built-ins are loaded here.
 *
 * Run by main.ts as a forked child and driven over IPC (init, run per concurrency level, stop), so its
 * CPU is accounted as one process and nothing of the platform's code is in its heap.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { connect } from '@nats-io/transport-node';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import {
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
} from '@nats-io/jetstream';
import { msSince, summarise, type LatencySummary } from './stats';
import { Workload } from './workload';

export interface FloorInit {
  kind: 'init';
  databaseUrl: string;
  natsUrl: string;
  /** Subject prefix of the floor's own stream: `<prefix>.events.>`. */
  prefix: string;
  streamName: string;
  poolSize: number;
  maxInFlight: number;
  returningShare: number;
}

export interface FloorRun {
  kind: 'run';
  concurrency: number;
  requests: number;
}

export interface FloorResult {
  kind: 'result';
  concurrency: number;
  committed: number;
  errors: Record<string, number>;
  loadSeconds: number;
  opsPerSecond: number;
  /** From asking the pool for a connection to COMMIT answered: what a caller of this code waits. */
  latency: LatencySummary;
  /** BEGIN to COMMIT answered, without the wait for a pooled connection. */
  transaction: LatencySummary;
  published: number;
  publishErrors: number;
  /** After the last COMMIT, until every row's publish was acknowledged. */
  publishDrainMs: number;
}

export type FloorMessage = FloorInit | FloorRun | { kind: 'stop' };
export type FloorReply =
  { kind: 'ready' } | FloorResult | { kind: 'stopped' } | { kind: 'failed'; error: string };

const EVENT_TYPE = 'feedback.received.v1';
const LEVELS = ['L1', 'L2', 'L3'];
const CATEGORIES = ['product.defect', 'service.attitude', 'service.process_efficiency', 'general.other'];

// The same statements intake sends: FeedbackRepository.insert and OutboxWriter.add.
const INSERT_FEEDBACK = `INSERT INTO intake.feedback (id, ticket_no, business_date, channel, channel_message_id, idempotency_key,
         request_hash, customer_id, type, category, level, emotion, description, customer_request, expected_by,
         store_id, received_at, classified_by, created_by, reply)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`;
const INSERT_OUTBOX = `INSERT INTO "intake".outbox (id, event_type, envelope) VALUES ($1, $2, $3)`;

interface PendingPublish {
  id: string;
  envelope: string;
}

/** Publishes rows in commit order with at most `maxInFlight` unacknowledged, like the relay's batches. */
class Publisher {
  private readonly queue: PendingPublish[] = [];
  private head = 0;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  published = 0;
  errors = 0;

  constructor(
    private readonly js: JetStreamClient,
    private readonly subject: string,
    private readonly maxInFlight: number,
  ) {}

  push(row: PendingPublish): void {
    this.queue.push(row);
    this.pump();
  }

  idle(): Promise<void> {
    if (this.inFlight === 0 && this.head === this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.head < this.queue.length) {
      const row = this.queue[this.head++];
      this.inFlight++;
      const h = natsHeaders();
      h.set('cl-event-type', EVENT_TYPE);
      this.js.publish(this.subject, row.envelope, { msgID: row.id, headers: h }).then(
        () => this.settle(true),
        () => this.settle(false),
      );
    }
    if (this.head > 65_536 && this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  private settle(ok: boolean): void {
    this.inFlight--;
    if (ok) this.published++;
    else this.errors++;
    this.pump();
    if (this.inFlight === 0 && this.head === this.queue.length) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

class Floor {
  private ticket = 0;
  private readonly createdBy = randomUUID();
  private readonly runId = Date.now().toString(36);

  private constructor(
    private readonly init: FloorInit,
    private readonly pool: Pool,
    private readonly nc: NatsConnection,
    private readonly publisher: Publisher,
    private readonly workload: Workload,
  ) {}

  static async start(init: FloorInit): Promise<Floor> {
    const pool = new Pool({
      connectionString: init.databaseUrl,
      max: init.poolSize,
      application_name: 'bench-floor',
    });
    const nc = await connect({ servers: init.natsUrl, name: 'bench-floor' });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: init.streamName,
      subjects: [`${init.prefix}.events.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 7 * 24 * 3600 * 1e9,
      duplicate_window: 10 * 60 * 1e9,
    });
    const publisher = new Publisher(
      jetstream(nc, { timeout: 5_000 }),
      `${init.prefix}.events.${EVENT_TYPE}`,
      init.maxInFlight,
    );
    // Open every pooled connection before measuring, as intake's pool is warm after its warm-up.
    const clients = await Promise.all(Array.from({ length: init.poolSize }, () => pool.connect()));
    clients.forEach((client) => client.release());
    return new Floor(init, pool, nc, publisher, new Workload(init.returningShare));
  }

  async run(request: FloorRun): Promise<FloorResult> {
    const latencies = new Float64Array(request.requests);
    const transactions = new Float64Array(request.requests);
    const errors: Record<string, number> = {};
    const publishedBefore = this.publisher.published;
    const publishErrorsBefore = this.publisher.errors;
    const started = process.hrtime.bigint();
    const committed = await this.load(request.concurrency, request.requests, latencies, transactions, errors);
    const loadSeconds = msSince(started) / 1000;
    const drainStart = process.hrtime.bigint();
    await this.publisher.idle();
    const publishDrainMs = msSince(drainStart);
    return {
      kind: 'result',
      concurrency: request.concurrency,
      committed,
      errors,
      loadSeconds,
      opsPerSecond: committed / loadSeconds,
      latency: summarise(latencies.subarray(0, committed)),
      transaction: summarise(transactions.subarray(0, committed)),
      published: this.publisher.published - publishedBefore,
      publishErrors: this.publisher.errors - publishErrorsBefore,
      publishDrainMs,
    };
  }

  /** Closed loop: `concurrency` workers, each starting its next transaction when the previous committed. */
  private async load(
    concurrency: number,
    count: number,
    latencies: Float64Array,
    transactions: Float64Array,
    errors: Record<string, number>,
  ): Promise<number> {
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        const row = this.row();
        const start = process.hrtime.bigint();
        let client: PoolClient | undefined;
        try {
          client = await this.pool.connect();
          const begun = process.hrtime.bigint();
          await client.query('BEGIN');
          try {
            await client.query(INSERT_FEEDBACK, row.feedback);
            await client.query(INSERT_OUTBOX, [row.id, EVENT_TYPE, row.envelope]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
          const at = done++;
          transactions[at] = msSince(begun);
          latencies[at] = msSince(start);
          this.publisher.push({ id: row.id, envelope: row.envelope });
        } catch (error) {
          const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
          errors[code] = (errors[code] ?? 0) + 1;
        } finally {
          client?.release();
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return done;
  }

  /** One feedback row and its event envelope, shaped and sized like intake's. */
  private row(): { id: string; feedback: unknown[]; envelope: string } {
    const body = this.workload.next();
    const n = this.ticket++;
    const id = randomUUID();
    const customerId = randomUUID();
    const receivedAt = new Date();
    const ticketNo = `F${this.runId}${String(n).padStart(8, '0')}`;
    const category = CATEGORIES[n % CATEGORIES.length];
    const level = LEVELS[n % LEVELS.length];
    const reply = { id, ticketNo, customerId, type: body.type, category, level };
    const envelope = JSON.stringify({
      specversion: '1.0',
      id: randomUUID(),
      type: EVENT_TYPE,
      source: 'closeloop/intake',
      time: receivedAt.toISOString(),
      datacontenttype: 'application/json',
      correlationid: randomUUID(),
      data: {
        feedbackId: id,
        ticketNo,
        customerId,
        channel: body.channel,
        type: body.type,
        category,
        level,
        emotion: body.emotion,
        receivedAt: receivedAt.toISOString(),
      },
    });
    const feedback = [
      id,
      ticketNo,
      '2026-11-23',
      body.channel,
      null,
      null,
      createHash('sha256').update(JSON.stringify(body)).digest('hex'),
      customerId,
      body.type,
      category,
      level,
      body.emotion ?? null,
      body.description,
      null,
      null,
      null,
      receivedAt,
      [`cat-${n % 7}`, `default:${body.type}`],
      this.createdBy,
      JSON.stringify(reply),
    ];
    return { id, feedback, envelope };
  }

  async stop(): Promise<void> {
    await this.publisher.idle();
    const jsm = await jetstreamManager(this.nc);
    await jsm.streams.delete(this.init.streamName).catch(() => undefined);
    await this.nc.close();
    await this.pool.end();
  }
}

function send(reply: FloorReply): void {
  process.send?.(reply);
}

if (require.main === module) {
  if (!process.send) {
    console.error('floor.js is started by bench/intake/main.js (it talks over IPC)');
    process.exit(2);
  }
  let floor: Promise<Floor> | undefined;
  process.on('message', (message: FloorMessage) => {
    const handle = async () => {
      switch (message.kind) {
        case 'init':
          floor = Floor.start(message);
          await floor;
          send({ kind: 'ready' });
          break;
        case 'run':
          if (!floor) throw new Error('run before init');
          send(await (await floor).run(message));
          break;
        case 'stop':
          if (floor) await (await floor).stop();
          send({ kind: 'stopped' });
          process.disconnect();
          break;
      }
    };
    handle().catch((error: unknown) =>
      send({ kind: 'failed', error: String((error as Error)?.stack ?? error) }),
    );
  });
}
