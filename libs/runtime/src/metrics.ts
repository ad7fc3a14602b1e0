import { createServer, type Server } from 'node:http';
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { quoteIdent } from '@closeloop/persistence';
import type { MessagingObserver, RpcOutcome, SettledOutcome } from '@closeloop/messaging';
import { createLogger, errorFields } from '@closeloop/observability';

const log = createLogger('metrics');
/** How long one scrape-time read (a query or a JetStream request) serves the gauges that share it. */
const SCRAPE_READ_MS = 1_000;

/**
 * A read for gauges set at scrape time: one read is shared by the gauges of one scrape (prom-client collects
 * them concurrently) and kept for a second, so two gauges of one query never show figures of different
 * moments. A failed read is logged (`what`, never the data) and gives undefined.
 */
export function scrapeRead<T>(what: string, fn: () => Promise<T | undefined>): () => Promise<T | undefined> {
  let last: { at: number; value: Promise<T | undefined> } | undefined;
  return () => {
    if (last && Date.now() - last.at < SCRAPE_READ_MS) return last.value;
    const value = fn().catch((error: unknown) => {
      log.warn({ ...errorFields(error), metric: what }, 'could not read a metric');
      return undefined;
    });
    last = { at: Date.now(), value };
    return value;
  };
}

/** A gauge set at each scrape from a scrape read; left as it was when `pick` gives undefined (no read). */
export function scrapeGauge<T>(
  registers: Registry[],
  name: string,
  help: string,
  read: () => Promise<T | undefined>,
  pick: (value: T | undefined) => number | undefined,
): Gauge {
  return new Gauge({
    name,
    help,
    registers,
    collect: async function (this: Gauge) {
      const value = pick(await read());
      if (value !== undefined) this.set(value);
    },
  });
}

/** Where the platform's figures come from at scrape time (set once the service is wired). */
export interface MetricsSources {
  dataSource: DataSource;
  schema: string;
  /** Each durable consumer of the service with its JetStream backlog. */
  consumers: () => { name: string; pending(): Promise<number> }[];
}

/**
 * Prometheus metrics of one service (prom-client, its own registry: several services may share a process
 * in tests). Counted as work happens: RPC requests and their latency, events settled by each consumer,
 * HTTP requests at the gateway. Read at each scrape: the outbox backlog and its oldest row's age, dead
 * letters waiting for an operator, each consumer's JetStream backlog (what an autoscaler should follow);
 * these are the service's, not the replica's (every replica reports the same: aggregate them with max),
 * plus Node's process metrics (CPU, memory, event loop lag, GC). Labels never carry ids or personal data.
 */
@Injectable()
export class ServiceMetrics implements MessagingObserver {
  readonly registry = new Registry();
  private sources?: MetricsSources;

  private readonly rpcDuration: Histogram<'method' | 'outcome'>;
  private readonly events: Counter<'consumer' | 'type' | 'outcome'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'closeloop_' });
    const registers = [this.registry];
    this.rpcDuration = new Histogram({
      name: 'closeloop_rpc_duration_seconds',
      help: 'RPC requests answered by this service, by method and outcome (ok, refused, failed)',
      labelNames: ['method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.events = new Counter({
      name: 'closeloop_events_settled_total',
      help: 'Events settled by a durable consumer: handled, duplicate, ignored, retried, dead_lettered',
      labelNames: ['consumer', 'type', 'outcome'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'closeloop_http_request_duration_seconds',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const read = <T>(what: string, fn: (sources: MetricsSources) => Promise<T>) =>
      scrapeRead(what, () => {
        const sources = this.sources;
        return sources ? fn(sources) : Promise.resolve(undefined);
      });
    const outbox = read('outbox', async ({ dataSource, schema }) => {
      const [row] = await dataSource.query<{ pending: number; oldest: number | null }[]>(
        `SELECT count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
           FROM ${quoteIdent(schema)}.outbox WHERE sent_at IS NULL`,
      );
      return row;
    });
    scrapeGauge(
      registers,
      'closeloop_outbox_pending',
      "Events written to the outbox and not yet published to JetStream (the service's, same on every replica)",
      outbox,
      (row) => row?.pending,
    );
    scrapeGauge(
      registers,
      'closeloop_outbox_oldest_pending_seconds',
      "Age of the oldest unpublished outbox row, 0 when none (the service's, same on every replica)",
      outbox,
      (row) => (row ? (row.oldest ?? 0) : undefined),
    );
    // One series per consumer of the service, set afresh at each scrape.
    const perConsumer = (name: string, help: string, rows: () => Promise<Map<string, number> | undefined>) =>
      new Gauge({
        name,
        help,
        labelNames: ['consumer'],
        registers,
        collect: async function (this: Gauge<'consumer'>) {
          const values = await rows();
          if (!values) return;
          this.reset();
          for (const [consumer, value] of values) this.set({ consumer }, value);
        },
      });
    perConsumer(
      'closeloop_dead_letters_waiting',
      "Dead letters not replayed yet, per consumer (the service's, same on every replica; npm run cli -- dlq)",
      read('dead letters', async ({ dataSource, schema, consumers }) => {
        const rows = await dataSource.query<{ consumer: string; waiting: number }[]>(
          `SELECT consumer, count(*)::int AS waiting FROM ${quoteIdent(schema)}.dead_letters
            WHERE replayed_at IS NULL GROUP BY consumer`,
        );
        // Every consumer of the service, 0 when it has none waiting (an alert on > 0 needs the series).
        const waiting = new Map(consumers().map((c) => [c.name, 0]));
        for (const row of rows) waiting.set(row.consumer, row.waiting);
        return waiting;
      }),
    );
    perConsumer(
      'closeloop_consumer_pending_events',
      'Events of a durable consumer not acknowledged yet, waiting or in flight (shared by the replicas)',
      read('consumer backlog', async ({ consumers }) => {
        const pending = await Promise.all(consumers().map(async (c) => [c.name, await c.pending()] as const));
        return new Map(pending);
      }),
    );
  }

  /** Called once the data source and consumers exist (PlatformLifecycle). */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  rpcAnswered(method: string, outcome: RpcOutcome, seconds: number): void {
    this.rpcDuration.observe({ method, outcome }, seconds);
  }

  eventSettled(consumer: string, type: string, outcome: SettledOutcome): void {
    this.events.inc({ consumer, type, outcome });
  }

  /** The exposition text (Prometheus format). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * `GET /metrics` (and `GET /health` with details) on its own port (METRICS_PORT), apart from the service's HTTP port: the gateway's port is
 * public, metrics are for the cluster's scraper only. 0 (the default) serves none.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly port: number,
    /** `GET /health` here answers with the dependencies' error texts, which the public port never shows. */
    private readonly health?: () => Promise<{ ok: boolean }>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.port) return;
    const server = createServer((request, response) => {
      const path = request.url?.split('?')[0];
      if (request.method === 'GET' && path === '/health' && this.health) {
        this.health().then(
          (report) =>
            response
              .writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' })
              .end(JSON.stringify(report)),
          (error: unknown) => {
            log.error(errorFields(error), 'health check failed');
            response.writeHead(500).end();
          },
        );
        return;
      }
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.metrics.text().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: unknown) => {
          log.error(errorFields(error), 'metrics scrape failed');
          response.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, resolve);
    });
    this.server = server;
    log.info({ port: this.port }, 'metrics on /metrics');
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
