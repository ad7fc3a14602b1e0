/**
 * bench/sla (issue 4): the SLA engine's two figures on 1,000,000 open tickets.
 *
 * 1. Finding every ticket due within the next 15 minutes (the warning window): the SQL the list's
 *    `slaState=due_soon` filter runs, timed over repeated runs, with its EXPLAIN plan (it must use the
 *    `tickets_next_due_idx` index). Target: < 200 ms.
 * 2. A sweep that breaches and escalates 10,000 tickets (`SlaSweepService.sweep`, the code the timer runs):
 *    alerts recorded once, events written to the outbox, outcomes, history, next times. Target: < 10 s.
 *
 * Routing runs in this process (its Nest module, as the integration tests boot it) against a database and
 * a NATS prefix of its own, removed at the end. Prints each figure beside its target; JSON to
 * bench/results/sla-<timestamp>.json. Options: --tickets N (1,000,000), --breached N (10,000), --runs N (20).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { OutboxRelay } from '@closeloop/messaging';
import {
  createTestDatabase,
  deleteTestStream,
  REPO_ROOT,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { OrgAgentEntity } from '../../apps/routing/src/org/entities/org-agent.entity';
import { OrgDepartmentEntity } from '../../apps/routing/src/org/entities/org-department.entity';
import { RoutingEnv } from '../../apps/routing/src/routing.env';
import { RoutingModule } from '../../apps/routing/src/routing.module';
import { SlaSweepService } from '../../apps/routing/src/sla-sweep/sla-sweep.service';
import { cpuBetween, cpuSnapshot, type CpuReport } from '../intake/cpu';

process.env.DATABASE_URL ||= 'postgres://postgres@127.0.0.1:5432/test';
process.env.NATS_URL ||= 'nats://127.0.0.1:4222';

const TARGET_QUERY_MS = 200;
const TARGET_SWEEP_MS = 10_000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const round = (value: number) => Math.round(value * 10) / 10;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const verdict = (value: number, target: number) => (value < target ? 'MET' : 'MISSED');

/** The L2 promise of the seeded policy, as tickets store it. */
const TARGETS = JSON.stringify({
  firstResponse: { clock: 'calendar', minutes: 30 },
  plan: { clock: 'calendar', minutes: 240 },
  progressEvery: { clock: 'calendar', minutes: 1440 },
});

/**
 * Open tickets in 20 departments, in progress (answered and planned), whose next due time (the R5 progress
 * update or the resolution) is spread evenly over the next 30 days, and whose sweep time is 15 minutes
 * before it. Written set-based in chunks: the bench measures the reads and the sweep, not the load.
 */
async function seedOpenTickets(db: TestDatabase, total: number): Promise<void> {
  const chunk = 100_000;
  for (let start = 0; start < total; start += chunk) {
    const started = process.hrtime.bigint();
    await db.query(
      `INSERT INTO routing.tickets (id, ticket_no, feedback_id, customer_id, type, category, level, status,
         department, sla_policy, sla_calendar, sla_targets, received_at, due_first_response, due_plan,
         next_progress_due, responded_at, planned_at, next_due_at, next_alert_at, version)
       SELECT gen_random_uuid(), '2099' || lpad(i::text, 10, '0'), gen_random_uuid(), gen_random_uuid(),
              (ARRAY['complaint','consultation','after_sales'])[1 + i % 3], 'product.defect',
              (ARRAY['L1','L2','L3'])[1 + i % 3], 'in_progress', 'dept-' || (i % 20), 'r1-default', 'default',
              $3::jsonb, now() - interval '2 days', now() - interval '2 days' + interval '30 minutes',
              now() - interval '2 days' + interval '4 hours', due, now() - interval '47 hours',
              now() - interval '46 hours', due, due - interval '15 minutes', 1
         FROM (SELECT i, now() + random() * interval '30 days' AS due FROM generate_series($1::int, $2::int) AS i) s`,
      [start, Math.min(start + chunk, total) - 1, TARGETS],
    );
    process.stdout.write(
      `  seeded ${Math.min(start + chunk, total).toLocaleString()} open tickets (${round(ms(started))} ms)\n`,
    );
  }
}

/** Tickets received an hour ago that nobody answered: their first response (30 min) is breached. */
async function seedBreached(db: TestDatabase, count: number): Promise<void> {
  await db.query(
    `INSERT INTO routing.tickets (id, ticket_no, feedback_id, customer_id, type, category, level, status,
       department, sla_policy, sla_calendar, sla_targets, received_at, due_first_response, due_plan,
       next_progress_due, next_due_at, next_alert_at, version)
     SELECT gen_random_uuid(), '2098' || lpad(i::text, 10, '0'), gen_random_uuid(), gen_random_uuid(),
            'complaint', 'product.defect', 'L2', 'classified', 'dept-' || (i % 20), 'r1-default', 'default',
            $2::jsonb, now() - interval '1 hour', now() - interval '30 minutes', now() + interval '3 hours',
            now() + interval '23 hours', now() - interval '30 minutes', now() - interval '30 minutes', 1
       FROM generate_series(1, $1::int) AS i`,
    [count, TARGETS],
  );
}

/** Routing's read model of the org directory: 20 departments with one supervisor each. */
async function seedDirectory(routing: InProcessService): Promise<void> {
  const supervisors = Array.from({ length: 20 }, () => randomUUID());
  await routing.dataSource.getRepository(OrgAgentEntity).save(
    supervisors.map((userId, i) => ({
      userId,
      roles: ['supervisor' as const],
      departmentIds: [`dept-${i}`],
      storeIds: [],
      skillIds: [],
      capacity: 0,
      availability: 'on_shift' as const,
      active: true,
      version: 1,
    })),
  );
  await routing.dataSource.getRepository(OrgDepartmentEntity).save(
    supervisors.map((userId, i) => ({
      id: `dept-${i}`,
      parentId: null,
      supervisorIds: [userId],
      calendarId: null,
      assignmentStrategy: 'round_robin' as const,
      preferPreviousAgent: false,
      active: true,
      version: 1,
    })),
  );
}

/** CPU buckets: this process (the sweep), the bench database's Postgres backends, the rest. */
function classifier(database: string) {
  return (pid: number, _ppid: number, comm: string, cmdline: string): string | undefined => {
    if (pid === process.pid) return 'routing (this process)';
    if (comm === 'postgres')
      return cmdline.includes(database) ? 'postgres (bench database)' : 'postgres (other)';
    if (comm.startsWith('nats')) return 'nats-server';
    return undefined;
  };
}

const cpuSummary = (report: CpuReport) =>
  Object.entries(report.seconds)
    .sort(([, a], [, b]) => b - a)
    .map(([bucket, seconds]) => `${bucket} ${round(seconds)} s`)
    .join(', ');

const DUE_SOON = `SELECT id, ticket_no, next_due_at FROM routing.tickets
  WHERE next_due_at > now() AND next_due_at <= now() + interval '15 minutes' ORDER BY next_due_at, id`;

async function main(): Promise<void> {
  const tickets = option('tickets', 1_000_000);
  const breached = option('breached', 10_000);
  const runs = option('runs', 20);
  const db = await createTestDatabase('bench_sla');
  const prefix = testPrefix();
  let routing: InProcessService | undefined;
  try {
    routing = await startService(RoutingEnv, (env) => RoutingModule.register(env), {
      databaseUrl: db.url,
      prefix,
      env: { SLA_SWEEP_INTERVAL_MS: '0', DISPATCH_SWEEP_SECONDS: '0', PG_POOL_SIZE: '8', LOG_LEVEL: 'warn' },
    });
    console.log(`bench/sla: ${tickets.toLocaleString()} open tickets, ${breached.toLocaleString()} breached`);
    await seedOpenTickets(db, tickets);
    await seedDirectory(routing);
    await db.query('VACUUM ANALYZE routing.tickets');

    // 1. Every ticket due within the next 15 minutes.
    const timings: number[] = [];
    let found = 0;
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint();
      found = (await db.query(DUE_SOON)).length;
      timings.push(ms(started));
    }
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${DUE_SOON}`)).map(
      (row) => row['QUERY PLAN'],
    );
    const usesIndex = plan.some((line) => line.includes('tickets_next_due_idx'));

    // 2. The sweep over breached tickets (and whatever else is due now, e.g. warnings of the ones above).
    await seedBreached(db, breached);
    await db.query('ANALYZE routing.tickets');
    const sweeper = routing.app.get(SlaSweepService);
    // The relay publishes the sweep's events afterwards (measured apart): the figure is the sweep's own.
    const relay = routing.app.get(OutboxRelay);
    await relay.stop();
    const classify = classifier(db.name);
    const loadBefore = loadavg()[0];
    const cpuBefore = cpuSnapshot(classify);
    const started = process.hrtime.bigint();
    const result = await sweeper.sweep(new Date());
    const sweepMs = ms(started);
    const cpu = cpuBetween(cpuBefore, cpuSnapshot(classify), cpus().length);
    const [outbox] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM routing.outbox`);
    relay.start();
    const drainStarted = process.hrtime.bigint();
    for (;;) {
      const [pending] = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM routing.outbox WHERE sent_at IS NULL',
      );
      if (Number(pending.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const drainMs = ms(drainStarted);

    const report = {
      at: new Date().toISOString(),
      tickets,
      dueSoonQuery: {
        found,
        runs,
        p50Ms: round(percentile(timings, 50)),
        maxMs: round(Math.max(...timings)),
        targetMs: TARGET_QUERY_MS,
        verdict: verdict(Math.max(...timings), TARGET_QUERY_MS),
        usesIndex,
        plan,
      },
      sweep: {
        breachedTickets: breached,
        ...result,
        ms: round(sweepMs),
        outboxRows: Number(outbox.n),
        targetMs: TARGET_SWEEP_MS,
        verdict: verdict(sweepMs, TARGET_SWEEP_MS),
        cpu,
        loadAverageBefore: round(loadBefore),
        publishedToJetStreamMs: round(drainMs),
      },
    };
    console.log('\nTickets due within 15 minutes among %s open tickets', tickets.toLocaleString());
    console.log(
      `  found ${found}; p50 ${report.dueSoonQuery.p50Ms} ms, max ${report.dueSoonQuery.maxMs} ms over ${runs} runs`,
    );
    console.log(`  target < ${TARGET_QUERY_MS} ms: ${report.dueSoonQuery.verdict}; index used: ${usesIndex}`);
    for (const line of plan) console.log(`    ${line}`);
    console.log(`\nSweep escalating ${breached.toLocaleString()} breached tickets`);
    console.log(
      `  ${round(sweepMs)} ms: ${result.tickets} tickets, ${result.breaches} breaches, ` +
        `${result.escalations} escalations, ${result.warnings} warnings, ${report.sweep.outboxRows} events in the outbox`,
    );
    console.log(`  target < ${TARGET_SWEEP_MS} ms: ${report.sweep.verdict}`);
    console.log(
      `  CPU: ${cpuSummary(cpu)}; machine ${round((cpu.machineBusy ?? 0) * 100)} % busy ` +
        `(${cpu.cores} cores, load average ${round(loadBefore)} before)`,
    );
    console.log(`  the relay then published the events to JetStream in ${round(drainMs)} ms`);
    const dir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `sla-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\n${file}`);
  } finally {
    await routing?.close();
    await db.drop();
    await deleteTestStream(prefix);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
