/**
 * The scheduling mechanism against real Postgres (decision 0022): two replicas (two Nest apps) claim one job
 * table; each due run happens once, a run never overlaps itself in a replica, a dead holder is taken over
 * after its lease, a stale holder's heartbeat and finish are refused by the fencing token, and the last run
 * is recorded with its outcome and error.
 */
import { Global, Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { scheduledJobsTableUp } from '@closeloop/persistence';
import { createTestDatabase, pollUntil, type TestDatabase } from '@closeloop/testing';
import { JobClaims } from './job-claims';
import { currentJobRun } from './job-run';
import { JobScheduler } from './job-scheduler';
import { ScheduledJob } from './scheduled-job.decorator';
import { SchedulingModule } from './scheduling.module';

jest.setTimeout(60_000);

interface TestEnv {
  EVERY_MS: number;
}

/** What the job does on this run (set by each test). */
let body: (replica: string) => Promise<void> = () => Promise.resolve();
let active = 0;
let maxActive = 0;
const runs: { replica: string; fence: number; started: number }[] = [];

@Injectable()
class Replica {
  static count = 0;
  readonly id = `r${++Replica.count}`;

  @ScheduledJob('test.job', { every: (env: TestEnv) => env.EVERY_MS, leaseMs: 600 })
  async work(): Promise<void> {
    active += 1;
    maxActive = Math.max(maxActive, active);
    runs.push({ replica: this.id, fence: currentJobRun()!.fence, started: Date.now() });
    try {
      await body(this.id);
    } finally {
      active -= 1;
    }
  }
}

let db: TestDatabase;
const apps: INestApplicationContext[] = [];

async function replica(env: TestEnv): Promise<INestApplicationContext> {
  const dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 4 } });
  @Global()
  @Module({ providers: [{ provide: DataSource, useValue: dataSource }], exports: [DataSource] })
  class DatabaseModule {}
  @Module({
    imports: [DatabaseModule, SchedulingModule.forRoot({ schema: 'svc', env })],
    providers: [Replica],
  })
  class AppModule {}
  await dataSource.initialize();
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  await app.init();
  apps.push(app);
  return app;
}

const scheduler = (app: INestApplicationContext) => app.get(JobScheduler);
let direct: DataSource;
/** The claims seen from outside the replicas (a dead or stalled holder, the test's checks). */
const claims = () => new JobClaims(direct, 'svc');
const makeDue = () =>
  db.query(`UPDATE svc.scheduled_jobs SET next_run_at = now() - interval '1 ms' WHERE name = 'test.job'`);
const row = async () =>
  (
    await db.query<{ fence: string; runs: number; failures: number; last_outcome: string | null }>(
      `SELECT * FROM svc.scheduled_jobs WHERE name = 'test.job'`,
    )
  )[0];

beforeAll(async () => {
  db = await createTestDatabase('scheduling');
  await db.query(`CREATE SCHEMA svc`);
  for (const sql of scheduledJobsTableUp('svc')) await db.query(sql);
  direct = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 2 } }).initialize();
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await direct?.destroy();
  await db?.drop();
});

beforeEach(() => {
  body = () => Promise.resolve();
  runs.length = 0;
  maxActive = 0;
});

describe('two replicas with timers off (the tests tick)', () => {
  let a: INestApplicationContext;
  let b: INestApplicationContext;

  beforeAll(async () => {
    a = await replica({ EVERY_MS: 3_600_000 });
    b = await replica({ EVERY_MS: 3_600_000 });
  });

  it('registers the job not yet due, and runs a due run once across the two replicas', async () => {
    expect(await scheduler(a).tick()).toEqual([]);
    body = () => new Promise((resolve) => setTimeout(resolve, 50)); // both ticks overlap the run
    for (let round = 1; round <= 5; round++) {
      await makeDue();
      const ran = await Promise.all([scheduler(a).tick(), scheduler(b).tick()]);
      expect(ran.flat()).toEqual(['test.job']);
      // Not due any more until the next interval.
      expect((await Promise.all([scheduler(a).tick(), scheduler(b).tick()])).flat()).toEqual([]);
    }
    expect(runs).toHaveLength(5);
    expect(runs.map((r) => r.fence)).toEqual([1, 2, 3, 4, 5]);
    expect(await row()).toMatchObject({ runs: 5, failures: 0, last_outcome: 'succeeded', lease_until: null });
  });

  it('never overlaps a run with itself inside a replica', async () => {
    let release: () => void = () => undefined;
    body = () => new Promise((resolve) => (release = resolve));
    await makeDue();
    const first = scheduler(a).runIfDue('test.job');
    await pollUntil(
      () => Promise.resolve(active),
      (n) => n === 1,
      { what: 'the run started' },
    );
    await makeDue(); // due again while it runs: still not a second run here
    scheduler(a).trigger('test.job');
    const second = scheduler(a).tick();
    release();
    expect(await first).toBe(true);
    expect(await second).toEqual([]);
    // The trigger that came during the run looked again right after it: not due any more, nothing ran.
    expect(await scheduler(a).runIfDue('test.job')).toBe(false);
    expect(runs).toHaveLength(1);
    expect(maxActive).toBe(1);
  });

  it('records a failed run with its error (a database error by SQLSTATE only) and retries it later', async () => {
    await makeDue();
    body = () => Promise.reject(new Error('job for import 42 failed'));
    expect(await scheduler(b).tick()).toEqual(['test.job']);
    let state = (await claims().state('test.job'))!;
    expect(state).toMatchObject({ lastOutcome: 'failed', lastError: 'Error: job for import 42 failed' });
    expect(state.nextRunAt.getTime()).toBeGreaterThan(Date.now() + 3_000_000); // retryMs = every
    const failures = state.failures;

    await makeDue();
    const ds = apps[0].get(DataSource);
    body = async () => {
      await ds.query(`SELECT 'secret text'::uuid`); // 22P02: Postgres quotes the input in its message
    };
    expect(await scheduler(a).tick()).toEqual(['test.job']);
    state = (await claims().state('test.job'))!;
    expect(state).toMatchObject({ lastOutcome: 'failed', lastError: 'QueryFailedError 22P02' });
    expect(state.failures).toBe(failures + 1);
    expect(state.lastError).not.toContain('secret');
  });

  it('takes over a run whose replica died (lease not renewed) once the lease expired', async () => {
    await makeDue();
    const dead = claims();
    const fence = await dead.claim('test.job', 'dead-replica', 600);
    expect(fence).not.toBeNull();
    // The lease is live: nobody else runs the job.
    expect((await Promise.all([scheduler(a).tick(), scheduler(b).tick()])).flat()).toEqual([]);
    const ran = await pollUntil(
      () => scheduler(b).tick(),
      (names) => names.length > 0,
      { what: 'the job taken over after the lease', timeoutMs: 10_000 },
    );
    expect(ran).toEqual(['test.job']);
    expect(runs).toEqual([expect.objectContaining({ replica: expect.any(String), fence: fence! + 1 })]);
    // The dead holder's late writes are refused: its token is stale.
    expect(await dead.heartbeat('test.job', fence!, 600)).toBe(false);
    expect(
      await dead.finish('test.job', fence!, { outcome: 'failed', error: 'late', nextRun: null, afterMs: 0 }),
    ).toBe(false);
    expect(await claims().state('test.job')).toMatchObject({
      fence: fence! + 1,
      lastOutcome: 'succeeded',
      lastError: null,
      leaseUntil: null,
    });
  });

  it('takes over from a replica that died mid-run (its connections gone, no heartbeat) after the lease', async () => {
    const dying = await replica({ EVERY_MS: 3_600_000 });
    const dyingId = dying.get(Replica).id;
    let release: () => void = () => undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    body = (replicaId) => (replicaId === dyingId ? hung : Promise.resolve());
    await makeDue();
    const run = scheduler(dying).runIfDue('test.job');
    await pollUntil(
      () => Promise.resolve(runs.length),
      (n) => n === 1,
      { what: 'the run started on the dying replica' },
    );
    await dying.get(DataSource).destroy(); // the process is gone as far as the database can tell
    expect(await scheduler(b).tick()).toEqual([]); // its lease still holds
    await pollUntil(
      () => scheduler(b).tick(),
      (names) => names.length > 0,
      { what: 'the job taken over after the lease', timeoutMs: 10_000 },
    );
    expect(runs.map((r) => r.replica)).toEqual([dyingId, b.get(Replica).id]);
    expect(runs[1].fence).toBe(runs[0].fence + 1);
    release();
    expect(await run).toBe(true); // it ran, but could record nothing
    expect(await claims().state('test.job')).toMatchObject({
      fence: runs[1].fence,
      lastOutcome: 'succeeded',
    });
  });

  it("stops a stalled holder's run once another replica took over, and refuses its finish", async () => {
    await makeDue();
    let aborted = false;
    body = async () => {
      const signal = currentJobRun()!.signal;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      aborted = true;
    };
    const stalled = scheduler(a).runIfDue('test.job');
    await pollUntil(
      () => Promise.resolve(active),
      (n) => n === 1,
      { what: 'the run started' },
    );
    const before = (await claims().state('test.job'))!;
    // Another replica took the job over meanwhile (as after a stall longer than the lease).
    const other = claims();
    await db.query(
      `UPDATE svc.scheduled_jobs SET lease_until = now() - interval '1 ms' WHERE name = 'test.job'`,
    );
    const taken = await other.claim('test.job', 'other-replica', 60_000);
    expect(taken).toBe(before.fence + 1);
    expect(await stalled).toBe(true); // its next heartbeat was refused: the run was told to stop
    expect(aborted).toBe(true);
    expect(await claims().state('test.job')).toMatchObject({ fence: taken, holder: 'other-replica' });
    expect(
      await other.finish('test.job', taken!, {
        outcome: 'succeeded',
        error: null,
        nextRun: null,
        afterMs: 0,
      }),
    ).toBe(true);
  });
});

it('fires each due run exactly once with two replicas on real timers', async () => {
  const table = `svc.timer_runs`;
  await db.query(`CREATE TABLE ${table} (fence bigint NOT NULL, replica text NOT NULL)`);
  await db.query(`DELETE FROM svc.scheduled_jobs`);
  const ds = new DataSource({ type: 'postgres', url: db.url });
  await ds.initialize();
  body = async (replicaId) => {
    await ds.query(`INSERT INTO ${table} VALUES ($1, $2)`, [currentJobRun()!.fence, replicaId]);
    await new Promise((resolve) => setTimeout(resolve, 30));
  };
  const a = await replica({ EVERY_MS: 40 });
  const b = await replica({ EVERY_MS: 40 });
  await pollUntil(
    () => db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`),
    (rows) => Number(rows[0].n) >= 20,
    { what: 'twenty runs', timeoutMs: 20_000 },
  );
  await a.close();
  await b.close();
  const rows = await db.query<{ fence: string }>(`SELECT fence FROM ${table} ORDER BY fence`);
  const fences = rows.map((r) => Number(r.fence));
  expect(new Set(fences).size).toBe(fences.length); // no due run twice
  expect(fences).toEqual(fences.map((_, i) => i + 1)); // every claim ran to the end
  expect(maxActive).toBe(1); // never two at once, across both replicas
  const state = (await claims().state('test.job'))!;
  expect(state.runs).toBe(fences.length);
  await ds.destroy();
});
