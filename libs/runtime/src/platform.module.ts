import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { createLogger, errorFields } from '@closeloop/observability';
import { createServiceDataSource, runMigrationsLocked, serviceApplicationName } from '@closeloop/persistence';
import {
  CallerGate,
  CallerVerifier,
  checkRepublishWindow,
  connectNats,
  parseCallerPublicKey,
  type CallerCredentials,
  defaultMessagingConfig,
  ensureEventStream,
  natsManager,
  OutboxRelay,
  GroupedUnitOfWork,
  OutboxWriter,
  RpcClient,
  RpcServer,
  UnitOfWork,
  type MessagingConfig,
} from '@closeloop/messaging';
import { SchedulingModule } from '@closeloop/scheduling';
import { deadLetterRpc, DomainError, hasRole, type ServiceName } from '@closeloop/contracts';
import { ConsumerRegistry } from './consumer-registry';
import { MessagingTransport } from './messaging-transport';
import { MessagingRetention } from './messaging-retention';
import { MetricsServer, ServiceMetrics } from './metrics';
import { Public } from './public-route';
import type { CommonEnv } from './env';
import { DEV_CALLER_PUBLIC_KEY } from './dev-caller-keys';
import {
  JETSTREAM_MANAGER,
  MESSAGING_CONFIG,
  NATS_CONNECTION,
  SERVICE_ENV,
  SERVICE_INFO,
  type ServiceInfo,
} from './tokens';

export interface PlatformOptions {
  service: ServiceName;
  schema: string;
  env: CommonEnv;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: Function[];
  /** How this service's RPC client signs the callers it sends (the gateway only; issue 14.3). */
  callerCredentials?: CallerCredentials;
}

/**
 * The check of signed callers every RPC request passes (libs/messaging caller-token.ts), from
 * `CALLER_PUBLIC_KEYS`; the development key is refused in production.
 */
export function callerGateFrom(env: CommonEnv): CallerGate {
  if (env.NODE_ENV === 'production' && env.CALLER_PUBLIC_KEYS.includes(DEV_CALLER_PUBLIC_KEY)) {
    throw new Error('CALLER_PUBLIC_KEYS must be set in production (the default is for development)');
  }
  return new CallerGate(new CallerVerifier(env.CALLER_PUBLIC_KEYS.map(parseCallerPublicKey)));
}

const log = createLogger('platform');

export function messagingConfigFrom(env: CommonEnv): MessagingConfig {
  return {
    ...defaultMessagingConfig(env.NATS_PREFIX),
    outboxRetentionMs: env.OUTBOX_RETENTION_SECONDS * 1000,
    republishWindowMs: env.OUTBOX_REPUBLISH_WINDOW_SECONDS * 1000,
    maxDeliveries: env.EVENT_MAX_DELIVERIES,
    // Each batch of events holds a connection for its transaction, as does each commit group: more than
    // the pool can serve (less two for the relay and queries) only queue on the pool and time out.
    consumerConcurrency: Math.max(1, Math.min(env.EVENT_CONSUMER_CONCURRENCY, env.PG_POOL_SIZE - 2)),
    consumerBatchSize: env.EVENT_BATCH_SIZE,
    groupCommitSize: env.GROUP_COMMIT_SIZE,
    groupCommitInFlight: Math.max(1, Math.min(env.GROUP_COMMIT_IN_FLIGHT, env.PG_POOL_SIZE - 2)),
    ackWaitMs: env.EVENT_ACK_WAIT_SECONDS * 1000,
    streamReplicas: env.NATS_STREAM_REPLICAS,
  };
}

/** What `/health` found: each dependency `up`, or `down` with the error's text (internal port only). */
export interface HealthReport {
  ok: boolean;
  service: string;
  checks: { postgres: string; nats: string };
}

/** Checks this service's Postgres and NATS, each within 2 s. */
@Injectable()
export class HealthProbe {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  async check(): Promise<HealthReport> {
    const probe = (what: Promise<unknown>) =>
      withTimeout(what, 2_000).then(
        () => 'up',
        (error: unknown) => `down: ${String((error as Error)?.message ?? error)}`,
      );
    const [postgres, nats] = await Promise.all([
      probe(this.dataSource.query('SELECT 1')),
      probe(this.nc.flush()),
    ]);
    return { ok: postgres === 'up' && nats === 'up', service: this.info.service, checks: { postgres, nats } };
  }
}

/**
 * `GET /health`: 200 when this service's Postgres and NATS answer, 503 problem otherwise. The public answer
 * says only which dependency is down: error texts name hosts, users, databases and versions, so they go to
 * the log and to `/health` on the internal metrics port (METRICS_PORT), never to the public port.
 */
@Controller()
class HealthController {
  constructor(private readonly probe: HealthProbe) {}

  /** Liveness: the process answers. Unlike /health it does not depend on Postgres or NATS. */
  @Get('livez')
  @Public()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health')
  @Public()
  async health(): Promise<{ status: 'ok'; service: string; checks: Record<string, 'up'> }> {
    const report = await this.probe.check();
    const state = (check: string) => (check === 'up' ? 'up' : 'down');
    if (!report.ok) {
      log.warn({ checks: report.checks }, 'health check failed');
      throw new HttpException(
        {
          code: 'SERVICE_UNAVAILABLE',
          detail: `postgres ${state(report.checks.postgres)}; nats ${state(report.checks.nats)}`,
          service: report.service,
        },
        503,
      );
    }
    return { status: 'ok', service: report.service, checks: { postgres: 'up', nats: 'up' } };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (
        clearTimeout(timer),
        reject(error instanceof Error ? error : new Error(String(error)))
      ),
    );
  });
}

/**
 * Makes the stream and starts the relay once everything is wired (the service's handlers start after it, in
 * `MessagingTransport.listen`); stops handlers, then the relay, then the connections on shutdown.
 */
@Injectable()
class PlatformLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly relay: OutboxRelay,
    private readonly rpcServer: RpcServer,
    private readonly consumers: ConsumerRegistry,
    private readonly transport: MessagingTransport,
    private readonly metrics: ServiceMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.attach({
      dataSource: this.dataSource,
      schema: this.info.schema,
      consumers: () => this.consumers.all(),
    });
    await ensureEventStream(this.jsm, this.config);
    await checkRepublishWindow(this.jsm, this.config); // refuses to start (issue 14)
    this.relay.start();
    this.serveDeadLetterAdmin();
  }

  /** Dead-letter list and replay for every consumer of this service (admin only; the CLI uses them). */
  private serveDeadLetterAdmin(): void {
    const rpc = deadLetterRpc(this.info.service);
    const pick = (consumer?: string) => {
      const all = this.consumers.all();
      const chosen = consumer ? all.filter((c) => c.name === consumer) : all;
      if (consumer && chosen.length === 0)
        throw new DomainError('NOT_FOUND', `no consumer named ${consumer}`);
      return chosen;
    };
    this.rpcServer.handle(rpc.list, async (request) => {
      if (!hasRole(request.caller, 'admin')) throw new DomainError('FORBIDDEN');
      const lists = await Promise.all(
        pick(request.consumer).map((c) => c.listDeadLetters({ ids: request.ids, limit: request.limit })),
      );
      return lists.flat();
    });
    this.rpcServer.handle(rpc.replay, async (request) => {
      if (!hasRole(request.caller, 'admin')) throw new DomainError('FORBIDDEN');
      const result = { replayed: [] as string[], failed: [] as { id: string; error: string }[] };
      for (const consumer of pick(request.consumer)) {
        const one = await consumer.replayDeadLetters({ ids: request.ids, limit: request.limit });
        result.replayed.push(...one.replayed);
        result.failed.push(...one.failed);
      }
      return result;
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.transport.close();
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch((error: unknown) => log.warn(errorFields(error), 'NATS drain failed'));
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const info: ServiceInfo = { service: options.service, schema: options.schema };
    const config = messagingConfigFrom(options.env);
    const callers = callerGateFrom(options.env);
    return {
      module: PlatformModule,
      global: true,
      // Every service's recurring jobs: `@ScheduledJob` methods, claimed in its schema (decision 0022).
      imports: [SchedulingModule.forRoot({ schema: options.schema, env: options.env })],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_ENV, useValue: options.env },
        { provide: SERVICE_INFO, useValue: info },
        { provide: MESSAGING_CONFIG, useValue: config },
        {
          provide: DataSource,
          useFactory: async () => {
            const dataSource = createServiceDataSource({
              url: options.env.DATABASE_URL,
              schema: options.schema,
              entities: options.entities,
              migrations: options.migrations,
              poolSize: options.env.PG_POOL_SIZE,
              applicationName: serviceApplicationName(options.service),
            });
            await dataSource.initialize();
            const applied = await runMigrationsLocked(dataSource, options.schema);
            if (applied.length) log.info({ applied }, 'migrations applied');
            return dataSource;
          },
        },
        {
          provide: NATS_CONNECTION,
          useFactory: () =>
            connectNats(options.env.NATS_URL, `closeloop-${options.service}`, {
              credsFile: options.env.NATS_CREDS_FILE,
              user: options.env.NATS_USER,
              password: options.env.NATS_PASSWORD,
            }),
        },
        { provide: JETSTREAM_MANAGER, inject: [NATS_CONNECTION], useFactory: natsManager },
        {
          provide: OutboxWriter,
          useFactory: () => new OutboxWriter(options.schema, `closeloop/${options.service}`),
        },
        {
          provide: OutboxRelay,
          inject: [DataSource, NATS_CONNECTION],
          useFactory: (dataSource: DataSource, nc: NatsConnection) =>
            new OutboxRelay(dataSource, nc, options.schema, config),
        },
        {
          provide: UnitOfWork,
          inject: [DataSource, OutboxWriter, OutboxRelay],
          useFactory: (dataSource: DataSource, writer: OutboxWriter, relay: OutboxRelay) =>
            new UnitOfWork(dataSource, writer, relay),
        },
        {
          provide: GroupedUnitOfWork,
          inject: [DataSource, OutboxWriter, OutboxRelay],
          useFactory: (dataSource: DataSource, writer: OutboxWriter, relay: OutboxRelay) =>
            new GroupedUnitOfWork(dataSource, writer, relay, {
              maxGroupSize: config.groupCommitSize,
              maxInFlight: config.groupCommitInFlight,
            }),
        },
        { provide: ServiceMetrics, useFactory: () => new ServiceMetrics(options.service) },
        {
          provide: MetricsServer,
          inject: [ServiceMetrics, HealthProbe],
          useFactory: (metrics: ServiceMetrics, probe: HealthProbe) =>
            new MetricsServer(metrics, options.env.METRICS_PORT, () => probe.check()),
        },
        HealthProbe,
        // The one check of signed callers, for RpcServer and any other transport serving RPC requests.
        { provide: CallerGate, useValue: callers },
        {
          provide: RpcServer,
          inject: [NATS_CONNECTION, ServiceMetrics],
          useFactory: (nc: NatsConnection, metrics: ServiceMetrics) =>
            new RpcServer(nc, config.prefix, options.service, callers, metrics),
        },
        {
          provide: RpcClient,
          inject: [NATS_CONNECTION],
          useFactory: (nc: NatsConnection) =>
            new RpcClient(nc, config.prefix, config.rpcTimeoutMs, options.callerCredentials),
        },
        ConsumerRegistry,
        MessagingTransport,
        PlatformLifecycle,
        MessagingRetention,
      ],
      exports: [
        SchedulingModule,
        SERVICE_ENV,
        SERVICE_INFO,
        MESSAGING_CONFIG,
        DataSource,
        NATS_CONNECTION,
        JETSTREAM_MANAGER,
        OutboxWriter,
        OutboxRelay,
        UnitOfWork,
        GroupedUnitOfWork,
        RpcClient,
        MessagingTransport,
        CallerGate,
        ServiceMetrics,
        HealthProbe,
        MessagingRetention,
      ],
    };
  }
}
