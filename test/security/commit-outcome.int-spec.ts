/**
 * Issue 14.4: group commit must never double a submission. intake runs with every Postgres connection
 * through a loopback proxy that lets the COMMIT of a submission reach Postgres and then resets the
 * connection before the answer comes back (the client sees ECONNRESET; the work is stored). Before the fix,
 * ECONNRESET was taken as "refused by the server" and the group's submissions ran again one by one; now the
 * outcome is read back by the transaction id and each caller gets the reply of what was stored, once.
 */
import { randomUUID } from 'node:crypto';
import { GroupedUnitOfWork } from '@closeloop/messaging';
import { occupyGroup } from '@closeloop/messaging/testing/occupy-group';
import {
  IntakeRpc,
  type Caller,
  type SubmitFeedbackDto,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import {
  createTestScope,
  PgProxy,
  pollUntil,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { startIntake } from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(90_000);

let scope: TestScope;
let db: TestDatabase;
let proxy: PgProxy;
let intake: InProcessService;
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };

beforeAll(async () => {
  scope = await createTestScope('outcome');
  db = scope.db;
  proxy = await PgProxy.start(db.url);
  scope.defer(() => proxy.close());
  // One group at a time, so the calls made while it is held form the next group.
  intake = await startIntake(scope, {
    databaseUrl: proxy.url(db.url),
    env: { GROUP_COMMIT_IN_FLIGHT: '1' },
  });
});

afterAll(() => scope?.close());

function feedback(): SubmitFeedbackDto {
  return {
    channel: 'wechat',
    channelMessageId: randomUUID(),
    customer: { phone: `135${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
    type: 'complaint',
    description: '快递未送达',
  };
}

/** A submission's flush: its feedback row and the COMMIT, sent together. */
const submissionCommit = (chunk: string) =>
  chunk.includes('INSERT INTO intake.feedback') && chunk.includes('COMMIT');

/** Each reply matches one stored feedback (same id and ticket number), and each submission is stored once. */
async function expectStoredOnce(
  submissions: SubmitFeedbackDto[],
  replies: SubmitFeedbackReply[],
): Promise<void> {
  expect(replies.every((reply) => !reply.replayed)).toBe(true);
  const rows = await db.query<{ id: string; ticket_no: string; channel_message_id: string }>(
    'SELECT id, ticket_no, channel_message_id FROM intake.feedback WHERE channel_message_id = ANY($1)',
    [submissions.map((s) => s.channelMessageId)],
  );
  expect(rows).toHaveLength(submissions.length);
  const byMessage = new Map(rows.map((row) => [row.channel_message_id, row]));
  submissions.forEach((submission, i) => {
    const row = byMessage.get(submission.channelMessageId!);
    expect({ id: row?.id, ticketNo: row?.ticket_no }).toEqual({
      id: replies[i].id,
      ticketNo: replies[i].ticketNo,
    });
  });
  const [{ events }] = await db.query<{ events: number }>(
    `SELECT count(*)::int AS events FROM intake.outbox
      WHERE event_type = 'feedback.received.v1' AND envelope->'data'->>'feedbackId' = ANY($1)`,
    [replies.map((reply) => reply.id)],
  );
  expect(events).toBe(submissions.length);
}

it('answers every submission of a group whose COMMIT committed but whose answer was lost, each stored once', async () => {
  const uow = intake.app.get(GroupedUnitOfWork);
  const { release } = await occupyGroup(uow);
  const submissions = Array.from({ length: 4 }, feedback);
  const replies = submissions.map((dto) =>
    intake.rpc.request(IntakeRpc.submitFeedback, { caller: agent, feedback: dto }),
  );
  await pollUntil(
    async () => uow.queued,
    (queued) => queued === submissions.length,
    { what: 'the submissions waiting for the next group' },
  );
  proxy.fired = 0;
  proxy.arm(submissionCommit, 'drop-answer');
  release();
  const answered = await Promise.all(replies);
  expect(proxy.fired).toBe(1);
  await expectStoredOnce(submissions, answered);
});

it('answers a submission committed alone whose answer was lost, stored once', async () => {
  proxy.fired = 0;
  proxy.arm(submissionCommit, 'drop-answer');
  const submission = feedback();
  const reply = await intake.rpc.request(IntakeRpc.submitFeedback, { caller: agent, feedback: submission });
  expect(proxy.fired).toBe(1);
  await expectStoredOnce([submission], [reply]);
});
