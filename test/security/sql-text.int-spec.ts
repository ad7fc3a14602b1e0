/**
 * Issue 14.2: no value that came from a customer appears in SQL text. A commit group of intake submissions
 * carrying a unique marker in their free text and contacts is made to fail (two submissions of the same
 * channel message in one group: a unique violation on the group's multi-row feedback insert), while a
 * lock holds its flush mid-flight. Postgres logs a failed statement with its text
 * (log_min_error_statement = error) and shows a running one in pg_stat_activity: the marker must be in
 * neither. Before the fix the group's rows were inlined as literals into one multi-statement query, so both
 * held the whole group's text.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { GroupedUnitOfWork } from '@closeloop/messaging';
import { occupyGroup } from '@closeloop/messaging/testing/occupy-group';
import {
  IntakeRpc,
  type Caller,
  type SubmitFeedbackDto,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import { pollUntil, type InProcessService, type TestDatabase } from '@closeloop/testing';
import { startIntakeWithDb } from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(90_000);

/** The server's log file, read through the server itself (so it works wherever the test runs), from a byte offset. */
interface ServerLog {
  path: string;
  size(): Promise<number>;
  readFrom(offset: number): Promise<string>;
}

/**
 * Finds the file Postgres logs to: `pg_current_logfile()` when the logging collector runs; else the file
 * Debian's pg_ctlcluster sends stderr to, `/var/log/postgresql/postgresql-<major>-<cluster>.log`, derived
 * from the data directory `/var/lib/postgresql/<major>/<cluster>`. Undefined when there is none that the
 * server can read (a container logging to stderr): the test then relies on pg_stat_activity alone.
 */
async function findServerLog(db: TestDatabase): Promise<ServerLog | undefined> {
  const [{ current }] = await db.query<{ current: string | null }>('SELECT pg_current_logfile() AS current');
  let path = current;
  if (!path) {
    const [{ dir }] = await db.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`);
    const debian = /\/postgresql\/(\d+)\/([^/]+)\/?$/.exec(dir);
    if (debian) path = `/var/log/postgresql/postgresql-${debian[1]}-${debian[2]}.log`;
  }
  if (!path) return undefined;
  const file = path;
  const size = async () =>
    Number((await db.query<{ size: string }>('SELECT (pg_stat_file($1)).size AS size', [file]))[0].size);
  try {
    await size();
  } catch {
    return undefined;
  }
  return {
    path: file,
    size,
    async readFrom(offset) {
      const [{ bytes }] = await db.query<{ bytes: Buffer }>(
        'SELECT pg_read_binary_file($1, $2, (pg_stat_file($1)).size - $2) AS bytes',
        [file, offset],
      );
      return bytes.toString('utf8');
    },
  };
}

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };

beforeAll(async () => {
  // One group at a time, so the calls made while it is held form the next group.
  ({ db, intake, close } = await startIntakeWithDb('sqltext', {
    env: { GROUP_COMMIT_IN_FLIGHT: '1' },
  }));
});

afterAll(() => close?.());

it('puts no customer text into the SQL of a failing commit group: not in pg_stat_activity, not in the server log', async () => {
  const marker = `MARK${randomBytes(8).toString('hex')}`;
  const log = await findServerLog(db);
  const [{ level }] = await db.query<{ level: string }>(
    `SELECT current_setting('log_min_error_statement') AS level`,
  );
  const logOffset = log ? await log.size() : 0;

  const uow = intake.app.get(GroupedUnitOfWork);
  // Hold the only group slot, so the submissions below gather into one group.
  const { release } = await occupyGroup(uow);

  const dto = (channelMessageId: string): SubmitFeedbackDto => ({
    channel: 'hotline',
    channelMessageId,
    customer: {
      name: `${marker} name`,
      phone: `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
      email: `${marker.toLowerCase()}@example.com`,
    },
    type: 'complaint',
    description: `包裹未送达 ${marker} description`,
    request: `${marker} request`,
  });
  // The first two are the same channel message: together in one group they break its unique index.
  const twice = dto(randomUUID());
  const submissions = [twice, twice, dto(randomUUID()), dto(randomUUID())];
  const replies = submissions.map((feedback) =>
    intake.rpc.request(IntakeRpc.submitFeedback, { caller: agent, feedback }),
  );
  await pollUntil(
    async () => uow.queued,
    (queued) => queued === submissions.length,
    { what: 'the submissions waiting for the next group' },
  );

  // Hold the group's flush at its feedback insert (SHARE blocks writers, not the lookups before it).
  const locker = new Client({ connectionString: db.url });
  await locker.connect();
  let waiting: { query: string }[];
  try {
    await locker.query('BEGIN; LOCK TABLE intake.feedback IN SHARE MODE');
    release();
    waiting = await pollUntil(
      () =>
        db.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1`,
          [(locker as unknown as { processID: number }).processID],
        ),
      (rows) => rows.length > 0,
      { what: 'the group flush waiting for the lock' },
    );
  } finally {
    await locker.query('COMMIT').catch(() => undefined);
    await locker.end();
  }

  // The group failed and ran its submissions alone: the repeated message is answered with the first reply.
  const answered: SubmitFeedbackReply[] = await Promise.all(replies);
  // (The two identical requests may reach intake in either order.)
  const [first, again] = [answered[0], answered[1]].sort((a, b) => Number(a.replayed) - Number(b.replayed));
  expect(again).toEqual({ ...first, replayed: true });
  expect(answered.filter((reply) => reply.replayed)).toHaveLength(1);
  expect(new Set(answered.map((reply) => reply.id)).size).toBe(3);

  if (log) {
    const text = await log.readFrom(logOffset);
    console.info(
      `sql-text: read ${text.length} characters of ${log.path} (log_min_error_statement = ${level}) ` +
        'and pg_stat_activity mid-flight',
    );
    // The failure was logged with its statement (else this would prove nothing), without the marker.
    expect(text).toMatch(/duplicate key value violates unique constraint "feedback_channel_message_uq"/);
    expect(text).not.toContain(marker);
    expect(text).not.toContain(marker.toLowerCase());
    expect(text).toMatch(/STATEMENT: +INSERT INTO intake\.feedback \(.*\) VALUES \(\$1, /);
  } else {
    console.info('sql-text: no server log file readable; checked pg_stat_activity mid-flight only');
  }

  // What Postgres shows (cut at track_activity_query_size) of the statement in flight: its text with placeholders, never the values.
  expect(waiting[0].query).toContain('intake.feedback');
  expect(waiting[0].query).toContain('$1');
  expect(waiting[0].query).not.toContain(marker);
});
