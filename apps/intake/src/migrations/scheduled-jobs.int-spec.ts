/**
 * Upgrade with data in place (decision 0022): intake's `scheduled_jobs` of the old scheduler takes the shared
 * shape; each job keeps its due time, run count, last times and error, with the outcome they imply, and the
 * fencing token starts at 0.
 */
import { createTestDatabase, type TestDatabase } from '@closeloop/testing';
import { intakePersistence } from '../intake.persistence';
import { migrateIntake } from '../testing/intake-fixtures';
import { ScheduledJobs1796672872445 } from './1796672872445-ScheduledJobs';

jest.setTimeout(60_000);

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('intake_sched_upgrade');
});

afterAll(async () => {
  await db?.drop();
});

const migrate = (migrations: (typeof intakePersistence)['migrations']) => migrateIntake(db.url, migrations);

it('keeps the jobs of the old scheduler, with their outcome, under a fencing token', async () => {
  const all = intakePersistence.migrations;
  await migrate(all.slice(0, all.indexOf(ScheduledJobs1796672872445)));
  await db.query(
    `INSERT INTO intake.scheduled_jobs (name, next_run_at, last_started_at, last_finished_at, last_error, runs) VALUES
       ('segments-nightly', '2026-12-08T18:30:00Z', '2026-12-07T18:30:00Z', '2026-12-07T18:31:00Z', NULL, 12),
       ('retention-purge', '2026-12-07T18:35:00Z', '2026-12-07T18:30:00Z', NULL, 'Error: boom', 3)`,
  );

  await migrate(all);

  const rows = await db.query(
    `SELECT name, next_run_at, fence, holder, lease_until, last_outcome, last_error, runs, failures
     FROM intake.scheduled_jobs ORDER BY name`,
  );
  expect(rows).toEqual([
    {
      name: 'retention-purge',
      next_run_at: new Date('2026-12-07T18:35:00Z'),
      fence: '0',
      holder: null,
      lease_until: null,
      last_outcome: 'failed',
      last_error: 'Error: boom',
      runs: 3,
      failures: 0,
    },
    {
      name: 'segments-nightly',
      next_run_at: new Date('2026-12-08T18:30:00Z'),
      fence: '0',
      holder: null,
      lease_until: null,
      last_outcome: 'succeeded',
      last_error: null,
      runs: 12,
      failures: 0,
    },
  ]);
});
