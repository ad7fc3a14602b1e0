/**
 * Issue 14: the inbox and dead letters of a service (libs/persistence's messaging tables) are pruned by the
 * platform's scheduled jobs, by INBOX_RETENTION_DAYS and DEAD_LETTER_RETENTION_DAYS; newer rows stay. Shown
 * on routing; every service gets the same jobs from the platform module.
 */
import { randomUUID } from 'node:crypto';
import { MessagingRetention } from '@closeloop/runtime';
import { JobScheduler } from '@closeloop/scheduling';
import {
  createTestScope,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { QUIET_ROUTING_SWEEPS, startRouting } from './testing/routing-fixtures';

jest.setTimeout(60_000);

let scope: TestScope;
let db: TestDatabase;
let routing: InProcessService;

beforeAll(async () => {
  scope = await createTestScope('msg_retention');
  db = scope.db;
  routing = await startRouting(scope, {
    env: {
      ...QUIET_ROUTING_SWEEPS,
      HOUSEKEEPING_INTERVAL_SECONDS: '3600',
      INBOX_RETENTION_DAYS: '14',
      DEAD_LETTER_RETENTION_DAYS: '90',
    },
  });
});

afterAll(() => scope?.close());

async function inbox(daysAgo: number): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO routing.inbox (consumer, event_id, event_type, processed_at)
     VALUES ('feedback-received', $1, 'feedback.received.v1', now() - make_interval(days => $2))`,
    [id, daysAgo],
  );
  return id;
}

async function deadLetter(daysAgo: number, replayed: boolean): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO routing.dead_letters (id, consumer, event_id, event_type, error, deliveries, failed_at, replayed_at)
     VALUES ($1, 'feedback-received', $2, 'feedback.received.v1', 'boom', 5, now() - make_interval(days => $3),
             CASE WHEN $4 THEN now() END)`,
    [id, randomUUID(), daysAgo, replayed],
  );
  return id;
}

it('prunes inbox rows older than INBOX_RETENTION_DAYS, keeping newer ones', async () => {
  const old = [await inbox(15), await inbox(30)];
  const recent = [await inbox(13), await inbox(0)];
  expect(await routing.app.get(MessagingRetention).pruneInbox()).toBe(2);
  const left = await db.query<{ event_id: string }>(
    `SELECT event_id FROM routing.inbox WHERE event_id = ANY($1)`,
    [[...old, ...recent]],
  );
  expect(left.map((r) => r.event_id).sort()).toEqual([...recent].sort());
});

it('keeps dead letters DEAD_LETTER_RETENTION_DAYS (replayed or not) for operators, then prunes them', async () => {
  const old = [await deadLetter(91, false), await deadLetter(120, true)];
  const recent = [await deadLetter(89, false), await deadLetter(30, true)];
  expect(await routing.app.get(MessagingRetention).pruneDeadLetters()).toBe(2);
  const left = await db.query<{ id: string }>(`SELECT id FROM routing.dead_letters WHERE id = ANY($1)`, [
    [...old, ...recent],
  ]);
  expect(left.map((r) => r.id).sort()).toEqual([...recent].sort());
});

it('runs both as scheduled jobs of the service, once due', async () => {
  const scheduler = routing.app.get(JobScheduler);
  expect(scheduler.names()).toEqual(expect.arrayContaining(['inbox-prune', 'dead-letters-prune']));
  expect(await scheduler.tick('inbox-prune', 'dead-letters-prune')).toEqual([]); // not due: hourly
  const old = await inbox(20);
  const dead = await deadLetter(100, false);
  await db.query(
    `UPDATE routing.scheduled_jobs SET next_run_at = now() - interval '1 ms'
     WHERE name IN ('inbox-prune', 'dead-letters-prune')`,
  );
  expect((await scheduler.tick('inbox-prune', 'dead-letters-prune')).sort()).toEqual([
    'dead-letters-prune',
    'inbox-prune',
  ]);
  expect(await db.query(`SELECT 1 FROM routing.inbox WHERE event_id = $1`, [old])).toEqual([]);
  expect(await db.query(`SELECT 1 FROM routing.dead_letters WHERE id = $1`, [dead])).toEqual([]);
  const jobs = await db.query<{ name: string; last_outcome: string; runs: number }>(
    `SELECT name, last_outcome, runs FROM routing.scheduled_jobs WHERE name LIKE '%prune' ORDER BY name`,
  );
  expect(jobs).toEqual([
    { name: 'dead-letters-prune', last_outcome: 'succeeded', runs: 1 },
    { name: 'inbox-prune', last_outcome: 'succeeded', runs: 1 },
  ]);
});
