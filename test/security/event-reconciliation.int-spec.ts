/**
 * Issue 14, events lost for good: a `feedback.received.v1` the broker lost (deleted from the stream before
 * routing saw it, as after a store loss or a crash beyond the republish window) is published again by
 * intake's reconciliation job with its original id, and routing opens the ticket exactly once. Intake and
 * routing run in this process against one database and one NATS prefix.
 */
import { randomUUID } from 'node:crypto';
import { IntakeRpc, type Caller, type SubmitFeedbackReply } from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  pollUntil,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { FeedbackReconciliationJobs } from '../../apps/intake/src/feedback/feedback-reconciliation.jobs';
import { IntakeEnv } from '../../apps/intake/src/intake.env';
import { IntakeModule } from '../../apps/intake/src/intake.module';
import { RoutingEnv } from '../../apps/routing/src/routing.env';
import { RoutingModule } from '../../apps/routing/src/routing.module';

jest.setTimeout(90_000);

let db: TestDatabase;
let seq = 0;
let prefix: string;
let intake: InProcessService;
let routing: InProcessService | undefined;

const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };
const quiet = { HOUSEKEEPING_INTERVAL_SECONDS: '0', JOB_POLL_SECONDS: '3600', IMPORT_POLL_SECONDS: '0' };

const startRouting = () =>
  startService(RoutingEnv, (env) => RoutingModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { SLA_SWEEP_INTERVAL_MS: '0', DISPATCH_SWEEP_SECONDS: '0', HOUSEKEEPING_INTERVAL_SECONDS: '0' },
  });

const reconcile = () => intake.app.get(FeedbackReconciliationJobs).reconcile();

async function submit(): Promise<SubmitFeedbackReply> {
  return intake.rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: {
      channel: 'hotline',
      customer: { name: '李四', phone: `1391234${String(1000 + ++seq).slice(-4)}` },
      type: 'complaint',
      description: '投诉：产品质量问题',
    },
  });
}

/** Waits until the feedback's event left intake's outbox. */
async function sent(feedbackId: string): Promise<void> {
  await pollUntil(
    () =>
      db.query<{ stream_seq: string | null }>(`SELECT stream_seq FROM intake.outbox WHERE id = $1`, [
        feedbackId,
      ]),
    (rows) => rows[0]?.stream_seq != null,
    { what: 'feedback.received.v1 published' },
  );
}

const ticketsOf = (feedbackId: string) =>
  db.query<{ id: string }>(`SELECT id FROM routing.tickets WHERE feedback_id = $1`, [feedbackId]);
const backdate = (ids: string[]) =>
  db.query(`UPDATE intake.feedback SET created_at = now() - interval '1 hour' WHERE id = ANY($1)`, [ids]);

beforeAll(async () => {
  db = await createTestDatabase('reconcile');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { ...quiet, EVENT_RECONCILE_DELAY_SECONDS: '600' },
  });
});

afterAll(async () => {
  await routing?.close();
  await intake?.close();
  await deleteTestStream(prefix);
  await db?.drop();
});

it('republishes lost feedback.received.v1 under its original id and routing opens each ticket once', async () => {
  // Routing is down; two feedback are recorded, their events published, then the broker loses its store
  // (the stream, with its duplicate-detection state) before routing took them. One outbox row is still
  // kept, the other's retention has passed (that event is rebuilt from the stored feedback).
  const kept = await submit();
  const purged = await submit();
  await sent(kept.id);
  await sent(purged.id);
  await deleteTestStream(prefix);
  await db.query(`DELETE FROM intake.outbox WHERE id = $1`, [purged.id]);
  routing = await startRouting(); // creates the stream again

  // Not late yet: nothing is republished.
  expect(await reconcile()).toBe(0);
  await backdate([kept.id, purged.id]);
  expect(await reconcile()).toBe(2);
  // Republished recently: the next run leaves them alone.
  expect(await reconcile()).toBe(0);

  for (const feedback of [kept, purged]) {
    await pollUntil(
      () => ticketsOf(feedback.id),
      (rows) => rows.length === 1,
      { what: `the ticket of ${feedback.ticketNo}` },
    );
  }
  // Intake learns from ticket.opened.v1 that both have their tickets.
  await pollUntil(
    () =>
      db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM intake.feedback WHERE id = ANY($1) AND ticket_opened_at IS NOT NULL`,
        [[kept.id, purged.id]],
      ),
    (rows) => rows[0].n === 2,
    { what: 'intake marks the feedback ticketed' },
  );
  // Routing handled each under the original event id (the feedback's id), once.
  const inbox = await db.query<{ event_id: string }>(
    `SELECT event_id FROM routing.inbox WHERE event_type = 'feedback.received.v1' ORDER BY event_id`,
  );
  expect(inbox.map((r) => r.event_id)).toEqual([kept.id, purged.id].sort());
  const rebuilt = await db.query<{ envelope: { id: string; data: Record<string, unknown> } }>(
    `SELECT envelope FROM intake.outbox WHERE id = $1`,
    [purged.id],
  );
  expect(rebuilt[0].envelope).toMatchObject({
    id: purged.id,
    data: { feedbackId: purged.id, ticketNo: purged.ticketNo, type: 'complaint', level: purged.level },
  });

  // Even when made late again, a feedback with its ticket is never republished.
  await db.query(`UPDATE intake.feedback SET republished_at = NULL WHERE id = ANY($1)`, [
    [kept.id, purged.id],
  ]);
  expect(await reconcile()).toBe(0);
  for (const feedback of [kept, purged]) expect(await ticketsOf(feedback.id)).toHaveLength(1);
});

it('does not republish feedback whose event arrived', async () => {
  const delivered = await submit();
  await pollUntil(
    () =>
      db.query(`SELECT 1 FROM intake.feedback WHERE id = $1 AND ticket_opened_at IS NOT NULL`, [
        delivered.id,
      ]),
    (rows) => rows.length === 1,
    { what: 'ticket opened' },
  );
  await backdate([delivered.id]);
  expect(await reconcile()).toBe(0);
});

it('publishes a duplicate of a delivered event as a no-op: one ticket, one inbox row', async () => {
  const feedback = await submit();
  await pollUntil(
    () => ticketsOf(feedback.id),
    (rows) => rows.length === 1,
    { what: 'ticket opened' },
  );
  // As if intake never learned of the ticket (ticket.opened.v1 lost): the reconciliation publishes again.
  await db.query(`UPDATE intake.feedback SET ticket_opened_at = NULL WHERE id = $1`, [feedback.id]);
  await backdate([feedback.id]);
  expect(await reconcile()).toBe(1);
  await pollUntil(
    () => db.query(`SELECT 1 FROM intake.outbox WHERE id = $1 AND sent_at IS NOT NULL`, [feedback.id]),
    (rows) => rows.length === 1,
    { what: 'republished' },
  );
  expect(await ticketsOf(feedback.id)).toHaveLength(1);
  const inbox = await db.query(`SELECT 1 FROM routing.inbox WHERE event_id = $1`, [feedback.id]);
  expect(inbox).toHaveLength(1);
});
