/**
 * bench/intake: the platform under closed-loop HTTP load, then, in the same run and on the same machine,
 * the floor (bench/intake/floor.ts): a bare process doing the same inserts and JetStream publishes without
 * the framework. Prints accepted/s, p50/p99 and platform/floor, checks the targets (ratio >= 0.5 with
 * p99 <= 100 ms), and writes the figures to bench/results/intake-<timestamp>.json.
 *
 * The two never run at once: at each concurrency the platform's level runs, then the floor's, while the
 * other side idles, so each has the machine (2 cores shared with Postgres and NATS) to itself and the two
 * figures of a ratio are measured minutes apart at most. See bench/README.md.
 */
import 'reflect-metadata';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamNameFor } from '@closeloop/messaging';
import { ADMIN, Api, deleteTestStream, testNats, type ServiceName } from '@closeloop/testing';
import { intakePersistence } from '../../apps/intake/src/intake.persistence';
import { readConfig, type BenchConfig } from './config';
import { cpuBetween, cpuSnapshot, type CpuReport } from './cpu';
import type { FloorMessage, FloorReply, FloorResult } from './floor';
import { HttpLoad, type LoadResult } from './http-load';
import { REPO_ROOT, startPlatform, type RunningPlatform } from '@closeloop/testing';
import { printProfileSummary, summariseProfile, type ProfileSummary } from './profile-summary';
import { cpuTable, formatErrors, table, verdict } from './report';
import { msSince, round } from './stats';
import { Workload } from './workload';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.NATS_URL ||= 'nats://127.0.0.1:4222';

const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 100;
const DRAIN_TIMEOUT_MS = 180_000;

interface PlatformLevel {
  concurrency: number;
  load: LoadResult;
  /** After the last answer, until no outbox row was left unsent. */
  outboxDrainMs: number | null;
  /** Most unsent outbox rows seen while the load ran (sampled every 250 ms). */
  outboxBacklogMax: number;
  /**
   * After the last answer, until every service's durable consumer on the stream (routing's, and any other
   * the platform runs, such as intake's own) had nothing pending or unacknowledged.
   */
  consumersSettleMs: number | null;
  cpu: CpuReport;
  /** Per accepted feedback, from the level's start until the outbox and the consumers were drained. */
  postgres: PgWork;
  /** `--routing after`: routing started after the level and opened its tickets from the backlog. */
  routingAfter?: RoutingDrain;
}

/**
 * Routing working off one level's backlog with the machine to itself: from its first ticket until every
 * consumer (routing's, and intake's own on `ticket.opened.v1`) and both outboxes are drained.
 */
interface RoutingDrain {
  /** Feedbacks routing had to open tickets for (the level's accepted ones). */
  tickets: number;
  /** From routing's process start to its /health answering (not part of the drain). */
  startMs: number;
  /** From the first message consumed to the last consumer settled; null when it had not within the wait. */
  drainMs: number | null;
  ticketsPerSecond: number | null;
  /** Over the drain, per ticket. */
  cpu: CpuReport;
  postgres: PgWork;
}

interface FloorLevel extends FloorResult {
  cpu: CpuReport;
  postgres: PgWork;
}

/** What Postgres did for the bench database over a level, per accepted feedback (pg_stat_database). */
type PgWork = Record<string, number>;
const PG_COUNTERS = [
  'xact_commit',
  'xact_rollback',
  'tup_inserted',
  'tup_updated',
  'tup_deleted',
  'tup_fetched',
];

async function pgCounters(databaseName: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(
      `SELECT ${PG_COUNTERS.join(', ')} FROM pg_stat_database WHERE datname = $1`,
      [databaseName],
    );
    return Object.fromEntries(PG_COUNTERS.map((c) => [c, Number(rows[0]?.[c] ?? 0)]));
  } finally {
    await client.end();
  }
}

function pgWork(before: Record<string, number>, after: Record<string, number>, ops: number): PgWork {
  return Object.fromEntries(
    PG_COUNTERS.map((c) => [c, ops > 0 ? round((after[c] - before[c]) / ops, 2) : 0]),
  );
}

/**
 * An idle backend publishes its pending statistics only after PGSTAT_IDLE_INTERVAL (10 s, Postgres 15):
 * wait that long after a level before reading them. (The relays' 200 ms polls during the wait are counted.)
 */
const PG_STATS_SETTLE_MS = 11_000;

const log = (message: string) => console.log(`[bench] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Names the CPU bucket of every process on the machine for the window being measured. */
function classifier(databaseName: () => string | undefined, natsPort: string) {
  return (pid: number, ppid: number, comm: string, cmdline: string): string | undefined => {
    if (pid === process.pid) return 'bench (load generator)';
    if (ppid === process.pid) {
      const service = /dist\/apps\/(\w+)\/src\/main\.js/.exec(cmdline)?.[1];
      if (service) return service;
      if (cmdline.includes('floor.js')) return 'floor process';
      return 'bench children (other)';
    }
    if (comm === 'postgres') {
      const db = databaseName();
      return db && cmdline.includes(` ${db} `)
        ? 'postgres (bench db backends)'
        : 'postgres (other: wal/bg/other dbs)';
    }
    if (comm === 'nats-server')
      return cmdline.includes(natsPort) || !/-p |\.conf/.test(cmdline) ? 'nats-server' : undefined;
    return undefined;
  };
}

async function checkpoint(config: BenchConfig): Promise<void> {
  if (!config.checkpoint) return;
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } catch (error) {
    log(`CHECKPOINT refused (${String((error as Error).message)}); continuing without`);
  } finally {
    await client.end();
  }
}

async function login(baseUrl: string): Promise<string> {
  const response = await new Api(baseUrl).post<{ accessToken: string }>('/api/v1/auth/token', ADMIN);
  if (response.status !== 200)
    throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.accessToken;
}

/** Outbox rows not yet published, in these services' schemas (intake's by default). */
async function outboxPending(platform: RunningPlatform, schemas = ['intake']): Promise<number> {
  const [row] = await platform.db.query<{ n: string }>(
    `SELECT ${schemas.map((schema) => `(SELECT count(*) FROM ${schema}.outbox WHERE sent_at IS NULL)`).join(' + ')} AS n`,
  );
  return Number(row.n);
}

/** Polls until `done` holds; the elapsed milliseconds, or null when it did not within the timeout. */
async function timeUntil(
  done: () => Promise<boolean>,
  timeoutMs = DRAIN_TIMEOUT_MS,
  intervalMs = 20,
): Promise<number | null> {
  const start = process.hrtime.bigint();
  while (msSince(start) < timeoutMs) {
    if (await done()) return round(msSince(start), 1);
    await sleep(intervalMs);
  }
  return null;
}

const SERVICES: ServiceName[] = ['gateway', 'intake', 'routing'];

interface PlatformPhase {
  levels: PlatformLevel[];
  notes: string[];
  profiles: ProfileSummary[];
  sqlPerRequest: Record<string, (SqlCount & { perRequest: number })[]>;
}

async function runPlatform(
  config: BenchConfig,
  natsPort: string,
  /** Runs after each level, while the services idle: the floor's level at the same C. */
  afterLevel?: (concurrency: number) => Promise<void>,
): Promise<PlatformPhase> {
  const routingLive = config.routing === 'during';
  log(
    `platform: starting gateway, intake${config.routing === 'off' ? '' : ', routing'} (LOG_LEVEL=warn, rate limit off; ` +
      `routing ${config.routing === 'after' ? 'stopped during each level, then drains its backlog' : config.routing})`,
  );
  const profileDir = config.profile ? mkdtempSync(join(tmpdir(), 'closeloop-bench-profile-')) : undefined;
  const hook = ['--require', join(__dirname, 'profile-hook.js')];
  const platform = await startPlatform('bench', {
    env: {
      RATE_LIMIT_PER_SECOND: '1000000',
      LOG_LEVEL: 'warn',
      PG_POOL_SIZE: String(config.poolSize),
      ...(profileDir ? { BENCH_PROFILE_DIR: profileDir } : {}),
    },
    execArgv: profileDir ? { gateway: hook, intake: hook, routing: hook } : {},
    services: config.routing !== 'off' ? ['intake', 'routing', 'gateway'] : ['intake', 'gateway'],
  });
  // The services running during the measured levels (the ones profiled).
  const services = SERVICES.filter((s) => routingLive || s !== 'routing');
  const profiles: ProfileSummary[] = [];
  const sqlPerRequest: Record<string, (SqlCount & { perRequest: number })[]> = {};
  const notes: string[] = [];
  const nc = await testNats();
  const jsm = await jetstreamManager(nc);
  const stream = streamNameFor(platform.prefix);
  // Every durable consumer the services made (not the ones tests or partners add: there are none here).
  const consumersPending: ConsumerCounts = async () => {
    const counts = { undelivered: 0, total: 0 };
    for await (const info of jsm.consumers.list(stream)) {
      counts.undelivered += info.num_pending;
      counts.total += info.num_pending + info.num_ack_pending;
    }
    return counts;
  };
  const consumersIdle = async () => (await consumersPending()).total === 0;
  const classify = classifier(() => platform.db.name, natsPort);
  const levels: PlatformLevel[] = [];
  try {
    const token = await login(platform.gatewayUrl);
    const workload = new Workload(config.returning);
    const load = new HttpLoad(
      { baseUrl: platform.gatewayUrl, path: '/api/v1/feedback', token, body: () => workload.next() },
      Math.max(...config.concurrency),
    );
    let expectedRows = 0;
    if (config.warmup > 0) {
      log(`platform: warm-up, ${config.warmup} requests at C=${config.concurrency[0]}`);
      const warm = await load.run(config.concurrency[0], config.warmup);
      expectedRows += warm.accepted;
      if (warm.accepted !== warm.requests) notes.push(`warm-up errors: ${formatErrors(warm.errors)}`);
      await timeUntil(async () => (await outboxPending(platform)) === 0);
      await timeUntil(consumersIdle);
      await sleep(PG_STATS_SETTLE_MS); // so the warm-up's statistics are not counted in the first level
    }
    // Routing ran for the warm-up (its consumer exists, its code is warm); `after` stops it for the levels.
    if (config.routing === 'after') await platform.kill('routing');
    if (profileDir) {
      for (const service of services) platform.signal(service, 'SIGUSR2');
      await sleep(200);
      log(`platform: profiling the services over the measured levels (files in ${profileDir})`);
    }
    for (const concurrency of config.concurrency) {
      await checkpoint(config);
      log(`platform: C=${concurrency}, ${config.requests} requests`);
      let backlogMax = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          backlogMax = Math.max(backlogMax, await outboxPending(platform).catch(() => 0));
          await sleep(250);
        }
      })();
      const pgBefore = await pgCounters(platform.db.name);
      const before = cpuSnapshot(classify);
      const result = await load.run(concurrency, config.requests);
      const after = cpuSnapshot(classify);
      sampling = false;
      await sampler;
      expectedRows += result.accepted;
      const [outboxDrainMs, consumersSettleMs] = await Promise.all([
        timeUntil(async () => (await outboxPending(platform)) === 0),
        // `after`: routing's consumer holds the level's backlog until routing starts, below.
        routingLive ? timeUntil(consumersIdle) : Promise.resolve(null),
      ]);
      await sleep(PG_STATS_SETTLE_MS);
      const pgAfter = await pgCounters(platform.db.name);
      const routingAfter =
        config.routing === 'after'
          ? await drainWithRouting(platform, result.accepted, pgAfter, consumersPending, classify)
          : undefined;
      const level: PlatformLevel = {
        concurrency,
        load: result,
        outboxDrainMs,
        outboxBacklogMax: backlogMax,
        consumersSettleMs,
        cpu: cpuBetween(before, after, cpus().length),
        postgres: pgWork(pgBefore, pgAfter, result.accepted),
        routingAfter,
      };
      levels.push(level);
      log(
        `platform: C=${concurrency}: ${round(result.acceptedPerSecond, 1)} accepted/s, p50 ${result.latency.p50Ms} ms, ` +
          `p99 ${result.latency.p99Ms} ms, errors ${formatErrors(result.errors)}, outbox drained ${outboxDrainMs ?? 'NOT'} ms after`,
      );
      if (routingAfter) {
        log(
          `platform: C=${concurrency}: routing then opened ${routingAfter.tickets} tickets in ` +
            `${routingAfter.drainMs === null ? 'NOT' : round(routingAfter.drainMs / 1000, 1)} s ` +
            `(${routingAfter.ticketsPerSecond ?? '-'}/s, start-up ${round(routingAfter.startMs / 1000, 1)} s not counted)`,
        );
      }
      for (const sample of result.errorSamples) log(`  error sample: ${sample}`);
      await afterLevel?.(concurrency);
    }
    load.close();
    if (profileDir) {
      const accepted = levels.reduce((sum, l) => sum + l.load.accepted, 0);
      for (const service of services) platform.signal(service, 'SIGUSR2');
      for (const service of services) {
        const file = join(profileDir, `${service}-${platform.pids[service]}.cpuprofile`);
        if ((await timeUntil(() => Promise.resolve(existsSync(file)), 30_000)) === null) {
          notes.push(`no profile from ${service}`);
          continue;
        }
        await sleep(500); // written in one call, but let it finish
        const summary = summariseProfile(file);
        profiles.push(summary);
        console.log(
          `\n${service} CPU profile (measured levels, warm-up excluded)\n${printProfileSummary(summary)}`,
        );
        const sql = JSON.parse(
          readFileSync(file.replace(/\.cpuprofile$/, '.sql.json'), 'utf8'),
        ) as SqlCount[];
        sqlPerRequest[service] = sql.map((s) => ({ ...s, perRequest: round(s.count / accepted, 3) }));
        console.log(`\n${service} statements per accepted feedback\n${sqlTable(sqlPerRequest[service])}`);
      }
    }
    const [rows] = await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM intake.feedback');
    if (Number(rows.n) !== expectedRows) {
      notes.push(`intake.feedback holds ${rows.n} rows, ${expectedRows} feedbacks were accepted`);
    }
    const [customers] = await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM intake.customers');
    notes.push(`${rows.n} feedbacks from ${customers.n} customers`);
  } finally {
    await nc.close();
    const problems = platform.logs.filter(
      (l) => /"level":"(warn|error|fatal)"/.test(l.line) || !l.line.startsWith('{'),
    );
    const counts = new Map<string, number>();
    for (const { service, line } of problems) {
      let key = `${service}: ${line.slice(0, 200)}`;
      try {
        const parsed = JSON.parse(line) as {
          level?: string;
          msg?: string;
          component?: string;
          err?: { message?: string };
        };
        const reason = parsed.err?.message ? `: ${parsed.err.message.slice(0, 160)}` : '';
        key = `${service} ${parsed.level} [${parsed.component ?? '-'}] ${parsed.msg ?? ''}${reason}`;
      } catch {
        // not JSON: keep the raw line
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, n] of counts) notes.push(`log ${n}x ${key}`);
    log('platform: stopping');
    await platform.stop();
  }
  return { levels, notes, profiles, sqlPerRequest };
}

/** Messages the stream's durable consumers have not been given yet, and those plus the unacknowledged. */
type ConsumerCounts = () => Promise<{ undelivered: number; total: number }>;

/**
 * `--routing after`: starts routing on the level's backlog (its durable consumer kept every
 * `feedback.received.v1` while it was stopped) and measures how fast it opens the tickets with the machine
 * to itself, intake's consumer of `ticket.opened.v1` and both relays included; then stops it for the next
 * level. The drain runs from the first message routing takes until every consumer and both outboxes are
 * empty and stay so for 200 ms (so nothing was in flight between the checks).
 */
async function drainWithRouting(
  platform: RunningPlatform,
  tickets: number,
  pgBefore: Record<string, number>,
  consumerCounts: ConsumerCounts,
  classify: ReturnType<typeof classifier>,
): Promise<RoutingDrain> {
  const backlog = (await consumerCounts()).undelivered;
  let drainStart: bigint | undefined;
  let before = cpuSnapshot(classify);
  let watching = true;
  // Routing may take its first batch before its /health answers: watch the backlog, not the start-up.
  const watcher = (async () => {
    while (watching && drainStart === undefined) {
      if ((await consumerCounts()).undelivered < backlog) {
        drainStart = process.hrtime.bigint();
        before = cpuSnapshot(classify);
        return;
      }
      await sleep(10);
    }
  })();
  const spawned = process.hrtime.bigint();
  await platform.start('routing');
  const startMs = round(msSince(spawned), 1);
  await timeUntil(() => Promise.resolve(drainStart !== undefined), 60_000);
  watching = false;
  await watcher;
  let end: { at: bigint; cpu: ReturnType<typeof cpuSnapshot> } | undefined;
  const drained = async () =>
    (await consumerCounts()).total === 0 && (await outboxPending(platform, ['intake', 'routing'])) === 0;
  const settled =
    drainStart === undefined
      ? null
      : await timeUntil(
          async () => {
            const at = process.hrtime.bigint();
            const cpu = cpuSnapshot(classify);
            if (!(await drained())) {
              end = undefined;
              return false;
            }
            end ??= { at, cpu };
            return msSince(end.at) >= 200;
            // Every 100 ms: the checks cost the bench and NATS CPU that would be counted against routing.
          },
          DRAIN_TIMEOUT_MS,
          100,
        );
  const drainMs =
    settled === null || drainStart === undefined || !end ? null : round(Number(end.at - drainStart) / 1e6, 1);
  const after = end?.cpu ?? cpuSnapshot(classify);
  await sleep(PG_STATS_SETTLE_MS);
  const pgAfter = await pgCounters(platform.db.name);
  await platform.kill('routing');
  return {
    tickets,
    startMs,
    drainMs,
    ticketsPerSecond: drainMs ? round(tickets / (drainMs / 1000), 1) : null,
    cpu: cpuBetween(before, after, cpus().length),
    postgres: pgWork(pgBefore, pgAfter, tickets),
  };
}

interface SqlCount {
  sql: string;
  count: number;
  totalMs: number;
}

function sqlTable(rows: (SqlCount & { perRequest: number })[]): string {
  return table(
    ['per request', 'mean ms', 'statement'],
    rows
      .slice(0, 20)
      .map((r) => [r.perRequest.toFixed(3), (r.totalMs / r.count).toFixed(2), r.sql.slice(0, 110)]),
  );
}

/** A scratch database with intake's schema, made by running intake's own migrations (identical DDL). */
async function createFloorDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const base = process.env.DATABASE_URL!;
  const name = `cl_bench_floor_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const drop = async () => {
    const dropper = new Client({ connectionString: base });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropper.end();
  };
  try {
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const runner = { query: (sql: string, params?: unknown[]) => client.query(sql, params) };
      for (const Migration of intakePersistence.migrations) {
        await new Migration().up(runner as unknown as QueryRunner);
      }
    } finally {
      await client.end();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, url: url.toString(), drop };
}

class FloorProcess {
  private readonly replies: FloorReply[] = [];
  private waiting?: (reply: FloorReply) => void;
  private exited?: string;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: FloorReply) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(reply);
      } else this.replies.push(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = `floor process exited (${code ?? signal})`;
      this.waiting?.({ kind: 'failed', error: this.exited });
    });
  }

  static start(): FloorProcess {
    return new FloorProcess(
      fork(join(__dirname, 'floor.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async ask<K extends FloorReply['kind']>(
    message: FloorMessage,
    expect: K,
  ): Promise<Extract<FloorReply, { kind: K }>> {
    if (this.exited) throw new Error(this.exited);
    this.child.send(message);
    const reply =
      this.replies.shift() ?? (await new Promise<FloorReply>((resolve) => (this.waiting = resolve)));
    if (reply.kind === 'failed') throw new Error(`floor: ${reply.error}`);
    if (reply.kind !== expect) throw new Error(`floor answered ${reply.kind}, expected ${expect}`);
    return reply as Extract<FloorReply, { kind: K }>;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** The floor, set up and warmed: one measured level at a time, between the platform's (see `main`). */
interface FloorSession {
  level(concurrency: number): Promise<FloorLevel>;
  finish(): Promise<void>;
}

async function startFloor(config: BenchConfig, natsPort: string): Promise<FloorSession> {
  const database = await createFloorDatabase();
  const prefix = `benchfloor${randomBytes(4).toString('hex')}`;
  const floor = FloorProcess.start();
  const classify = classifier(() => database.name, natsPort);
  const finish = async () => {
    floor.kill();
    await deleteTestStream(prefix).catch(() => undefined);
    await database.drop();
  };
  try {
    log(`floor: bare process (pid ${floor.pid}), database ${database.name}, stream ${streamNameFor(prefix)}`);
    await floor.ask(
      {
        kind: 'init',
        databaseUrl: database.url,
        natsUrl: process.env.NATS_URL!,
        prefix,
        streamName: streamNameFor(prefix),
        poolSize: config.poolSize,
        maxInFlight: config.maxInFlight,
        returningShare: config.returning,
      },
      'ready',
    );
    if (config.warmup > 0) {
      log(`floor: warm-up, ${config.warmup} transactions at C=${config.concurrency[0]}`);
      await floor.ask({ kind: 'run', concurrency: config.concurrency[0], requests: config.warmup }, 'result');
      await sleep(PG_STATS_SETTLE_MS);
    }
  } catch (error) {
    await finish();
    throw error;
  }
  return {
    async level(concurrency) {
      await checkpoint(config);
      log(`floor: C=${concurrency}, ${config.requests} transactions`);
      const pgBefore = await pgCounters(database.name);
      const before = cpuSnapshot(classify);
      const result = await floor.ask({ kind: 'run', concurrency, requests: config.requests }, 'result');
      const after = cpuSnapshot(classify);
      await sleep(PG_STATS_SETTLE_MS);
      const pgAfter = await pgCounters(database.name);
      log(
        `floor: C=${concurrency}: ${round(result.opsPerSecond, 1)} ops/s, p50 ${result.latency.p50Ms} ms, ` +
          `p99 ${result.latency.p99Ms} ms, errors ${formatErrors(result.errors)}, ` +
          `published ${result.published} (${result.publishErrors} failed), drained ${round(result.publishDrainMs, 1)} ms after`,
      );
      return {
        ...result,
        cpu: cpuBetween(before, after, cpus().length),
        postgres: pgWork(pgBefore, pgAfter, result.committed),
      };
    },
    async finish() {
      await floor.ask({ kind: 'stop' }, 'stopped').catch(() => undefined);
      await finish();
    },
  };
}

/** Seconds the consumers needed to catch up after the level; `>180` when they had not within the wait. */
function consumersSettle(level: PlatformLevel | undefined): string {
  if (!level || level.routingAfter) return '-';
  if (level.consumersSettleMs === null) return `>${DRAIN_TIMEOUT_MS / 1000}`;
  return String(round(level.consumersSettleMs / 1000, 1));
}

function print(config: BenchConfig, platform: PlatformLevel[], floor: FloorLevel[]): object[] {
  const comparison = config.concurrency.map((concurrency) => {
    const p = platform.find((l) => l.concurrency === concurrency);
    const f = floor.find((l) => l.concurrency === concurrency);
    const ratio = p && f && f.opsPerSecond > 0 ? p.load.acceptedPerSecond / f.opsPerSecond : undefined;
    return {
      concurrency,
      platformAcceptedPerSecond: p ? round(p.load.acceptedPerSecond, 1) : null,
      platformP50Ms: p?.load.latency.p50Ms ?? null,
      platformP99Ms: p?.load.latency.p99Ms ?? null,
      platformErrors: p ? p.load.errors : null,
      floorOpsPerSecond: f ? round(f.opsPerSecond, 1) : null,
      floorP50Ms: f?.latency.p50Ms ?? null,
      floorP99Ms: f?.latency.p99Ms ?? null,
      ratio: ratio === undefined ? null : round(ratio, 3),
      ratioTargetMet: ratio === undefined ? null : ratio >= TARGET_RATIO,
      p99TargetMet: p ? p.load.latency.p99Ms <= TARGET_P99_MS : null,
    };
  });
  const dash = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  console.log('');
  console.log(
    `Closeloop intake bench: ${config.requests} measured requests per level after ${config.warmup} warm-up, ` +
      `${Math.round(config.returning * 100)}% returning customers, Postgres pool ${config.poolSize} (intake and floor).`,
  );
  console.log(
    `Load generator, services, Postgres and NATS share this machine's ${cpus().length} cores; at each C the platform's level ran, then the floor's.`,
  );
  console.log(
    {
      after:
        'Routing was stopped during each level (the accept path alone, as in the floor, whose events nobody consumes), then opened the tickets (table below).',
      during: 'Routing opened the tickets during each level, on the same cores (the whole walk at once).',
      off: 'Routing did not run (the accept path alone).',
    }[config.routing],
  );
  console.log('');
  console.log(
    table(
      [
        'C',
        'platform accepted/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'outbox drain ms',
        'consumers settle s',
        'floor ops/s',
        'floor p50',
        'floor p99',
        'ratio',
        `ratio>=${TARGET_RATIO}`,
        `p99<=${TARGET_P99_MS}ms`,
      ],
      comparison.map((c) => [
        c.concurrency,
        dash(c.platformAcceptedPerSecond),
        dash(c.platformP50Ms),
        dash(c.platformP99Ms),
        c.platformErrors ? formatErrors(c.platformErrors) : '-',
        dash(platform.find((l) => l.concurrency === c.concurrency)?.outboxDrainMs),
        consumersSettle(platform.find((l) => l.concurrency === c.concurrency)),
        dash(c.floorOpsPerSecond),
        dash(c.floorP50Ms),
        dash(c.floorP99Ms),
        c.ratio === null ? '-' : c.ratio.toFixed(2),
        c.ratioTargetMet === null ? '-' : verdict(c.ratioTargetMet),
        c.p99TargetMet === null ? '-' : verdict(c.p99TargetMet),
      ]),
    ),
  );
  const drains = platform.flatMap((l) =>
    l.routingAfter ? [{ concurrency: l.concurrency, accepted: l.load, drain: l.routingAfter }] : [],
  );
  if (drains.length > 0) {
    console.log('');
    console.log(
      "Routing after each level, on the level's backlog with the machine to itself (not part of the ratio):",
    );
    console.log(
      table(
        ['C', 'tickets', 'routing start-up s', 'drain s', 'tickets opened/s', 'of accepted/s'],
        drains.map(({ concurrency, accepted, drain }) => [
          concurrency,
          drain.tickets,
          round(drain.startMs / 1000, 1),
          drain.drainMs === null ? `>${DRAIN_TIMEOUT_MS / 1000}` : round(drain.drainMs / 1000, 1),
          dash(drain.ticketsPerSecond),
          drain.ticketsPerSecond === null
            ? '-'
            : `${Math.round((drain.ticketsPerSecond / accepted.acceptedPerSecond) * 100)}%`,
        ]),
      ),
    );
  }
  const cpuRows = [
    ...platform.map((l) => ({ label: `platform C=${l.concurrency}`, ops: l.load.accepted, cpu: l.cpu })),
    ...drains.map((d) => ({
      label: `routing after C=${d.concurrency}`,
      ops: d.drain.tickets,
      cpu: d.drain.cpu,
    })),
    ...floor.map((l) => ({ label: `floor C=${l.concurrency}`, ops: l.committed, cpu: l.cpu })),
  ];
  for (const row of cpuRows) {
    const other = (row.cpu.seconds['other processes'] ?? 0) / (row.cpu.wallSeconds * row.cpu.cores);
    if (other > 0.1) {
      log(
        `WARNING: during ${row.label} other processes used ${Math.round(other * 100)}% of the machine: ` +
          'that level is disturbed, repeat the run on a quieter machine',
      );
    }
  }
  if (cpuRows.length > 0) {
    console.log('');
    console.log(cpuTable(cpuRows));
    console.log('');
    const pgRows = [
      ...platform.map((l) => ({ label: `platform C=${l.concurrency}`, work: l.postgres })),
      ...drains.map((d) => ({ label: `routing after C=${d.concurrency}`, work: d.drain.postgres })),
      ...floor.map((l) => ({ label: `floor C=${l.concurrency}`, work: l.postgres })),
    ];
    console.log(
      table(
        ['Postgres per op (bench db)', ...pgRows.map((r) => r.label)],
        PG_COUNTERS.map((c) => [c, ...pgRows.map((r) => r.work[c].toFixed(2))]),
      ),
    );
  }
  console.log('');
  return comparison;
}

/** The commit measured, and whether apps/ or libs/ had uncommitted changes (BENCH_COMMIT overrides). */
function sourceVersion(): { commit: string | null; uncommittedChanges: boolean | null } {
  if (process.env.BENCH_COMMIT) return { commit: process.env.BENCH_COMMIT, uncommittedChanges: null };
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    return {
      commit: git('rev-parse', 'HEAD'),
      uncommittedChanges: git('status', '--porcelain', '--', 'apps', 'libs', 'test/harness') !== '',
    };
  } catch {
    return { commit: null, uncommittedChanges: null };
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const source = sourceVersion();
  const natsPort = new URL(process.env.NATS_URL!).port || '4222';
  const started = new Date();
  const load = loadavg();
  log(
    `source: ${source.commit ?? 'unknown commit'}${source.uncommittedChanges ? ' with uncommitted changes in apps/libs' : ''}`,
  );
  log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${load.map((v) => v.toFixed(2)).join(' ')}`,
  );
  if (load[0] > cpus().length * 0.5) {
    log(
      `WARNING: the machine is already busy (load ${load[0].toFixed(2)}): figures will be lower and noisier`,
    );
  }
  // The floor's level at each C runs right after the platform's, while the services idle (their relays
  // poll every 200 ms): this host's speed drifts over minutes (bench/README.md), and the ratio must compare
  // neighbours, not a phase run after the other.
  const floorSession = config.floor ? await startFloor(config, natsPort) : undefined;
  const floor: FloorLevel[] = [];
  let platform: PlatformPhase = { levels: [], notes: [], profiles: [], sqlPerRequest: {} };
  try {
    if (config.platform) {
      platform = await runPlatform(
        config,
        natsPort,
        floorSession && (async (concurrency) => void floor.push(await floorSession.level(concurrency))),
      );
    } else if (floorSession) {
      for (const concurrency of config.concurrency) floor.push(await floorSession.level(concurrency));
    }
  } finally {
    await floorSession?.finish();
  }
  const comparison = print(config, platform.levels, floor);
  for (const note of platform.notes) log(`note: ${note}`);

  const dir = config.resultsDir ?? join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `intake-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: {
          cores: cpus().length,
          cpu: cpus()[0]?.model,
          memoryGb: round(totalmem() / 2 ** 30, 1),
          node: process.version,
          loadAverageAtStart: load,
        },
        source,
        config,
        targets: { ratio: TARGET_RATIO, p99Ms: TARGET_P99_MS },
        comparison,
        platform: platform.levels,
        floor,
        notes: platform.notes,
        profiles: platform.profiles,
        sqlPerRequest: platform.sqlPerRequest,
      },
      null,
      2,
    )}\n`,
  );
  log(`figures written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
