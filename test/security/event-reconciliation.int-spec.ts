/**
 * Issue 14, events lost for good: a `feedback.received.v1` the broker lost (deleted from the stream before
 * routing saw it, as after a store loss or a crash beyond the republish window) is published again by
 * intake's reconciliation job with its original id, and routing opens the ticket exactly once. Intake and
 * routing run in this process against one database and one NATS prefix.
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  IntakeRpc,
  RoutingRpc,
  ticketEtag,
  type Caller,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import { streamNameFor } from '@closeloop/messaging';
import { ConsumerRegistry } from '@closeloop/runtime';
import {
  createTestScope,
  deleteTestStream,
  pollUntil,
  testNats,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { FeedbackReconciliationScheduler } from '../../apps/intake/src/feedback/feedback-reconciliation.scheduler';
import { QUIET_INTAKE_JOBS, startIntake } from '../../apps/intake/src/testing/intake-fixtures';
import { QUIET_ROUTING_SWEEPS, startRouting } from '../../apps/routing/src/testing/routing-fixtures';
import { ResolutionReconciliationScheduler } from '../../apps/routing/src/tickets/resolution-reconciliation.scheduler';

jest.setTimeout(90_000);

let scope: TestScope;
let db: TestDatabase;
let seq = 0;
let prefix: string;
let intake: InProcessService;
let routing: InProcessService | undefined;

const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };
const quiet = { ...QUIET_INTAKE_JOBS, HOUSEKEEPING_INTERVAL_SECONDS: '0' };

const startRoutingHere = () =>
  startRouting(scope, { env: { ...QUIET_ROUTING_SWEEPS, EVENT_RECONCILE_DELAY_SECONDS: '1' } });

const reconcile = () => intake.app.get(FeedbackReconciliationScheduler).reconcile();

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

/** The test's own view of the events stream (JetStream's API, as an operator's `nats` CLI would use it). */
async function withStream<T>(
  fn: (jsm: Awaited<ReturnType<typeof jetstreamManager>>, stream: string) => Promise<T>,
) {
  const nc = await testNats();
  try {
    return await fn(await jetstreamManager(nc), streamNameFor(prefix));
  } finally {
    await nc.close();
  }
}

const ticketsOf = (feedbackId: string) =>
  db.query<{ id: string }>(`SELECT id FROM routing.tickets WHERE feedback_id = $1`, [feedbackId]);
const backdate = (ids: string[]) =>
  db.query(`UPDATE intake.feedback SET created_at = now() - interval '1 hour' WHERE id = ANY($1)`, [ids]);

beforeAll(async () => {
  scope = await createTestScope('reconcile');
  ({ db, prefix } = scope);
  intake = await startIntake(scope, { env: { ...quiet, EVENT_RECONCILE_DELAY_SECONDS: '600' } });
});

afterAll(() => scope?.close());

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
  // Intake's consumers find their stream gone and create it again (empty), then routing starts.
  await pollUntil(
    () => withStream((jsm, stream) => jsm.streams.info(stream)),
    (info) => info.state.consumer_count >= 4,
    // A consumer notices the lost stream at its next pull and backs off before creating it again: on a
    // loaded machine that takes longer than the default wait.
    { what: "intake's consumers back on a new stream", timeoutMs: 60_000 },
  );
  routing = await startRoutingHere();

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

it("republishes a resolution's ticket.resolved.v1 (the confirmation request) lost while its reader lagged", async () => {
  const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
  const feedback = await submit();
  await pollUntil(
    () => ticketsOf(feedback.id),
    (rows) => rows.length === 1,
    { what: 'ticket opened' },
  );
  const seen = routing!.app
    .get(ConsumerRegistry)
    .all()
    .find((c) => c.name === 'routing-ticket-resolved-seen')!;
  await seen.stop(); // the reader lags
  const view = await routing!.rpc.request(RoutingRpc.getTicket, {
    caller: admin,
    ticketNo: feedback.ticketNo,
  });
  await routing!.rpc.request(RoutingRpc.resolve, {
    caller: admin,
    ticketNo: feedback.ticketNo,
    ifMatch: ticketEtag(view.version),
    input: { summary: '已更换' },
  });
  const [{ id: ticketId }] = await ticketsOf(feedback.id);
  const [original] = await pollUntil(
    () =>
      db.query<{ id: string; stream_seq: string }>(
        `SELECT id, stream_seq FROM routing.outbox WHERE event_type = 'ticket.resolved.v1'
           AND envelope->'data'->>'ticketId' = $1 AND sent_at IS NOT NULL`,
        [ticketId],
      ),
    (rows) => rows.length === 1,
    { what: 'ticket.resolved.v1 published' },
  );
  // The broker loses the event before the lagging reader took it (as a store lost on a broker that had
  // acked it), and forgets its id: the duplicate window is shortened to let the republish through, as a
  // lost store forgets it too.
  await withStream(async (jsm, stream) => {
    expect(await jsm.streams.deleteMessage(stream, Number(original.stream_seq))).toBe(true);
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, duplicate_window: 100_000_000 }); // 100 ms
  });
  await seen.start();

  const reconcileResolutions = () => routing!.app.get(ResolutionReconciliationScheduler).reconcile();
  expect(await pollUntil(reconcileResolutions, (n) => n > 0, { what: 'the resolution republished' })).toBe(1);
  await pollUntil(
    () =>
      db.query(
        `SELECT 1 FROM routing.ticket_resolution_events WHERE ticket_id = $1 AND seen_at IS NOT NULL`,
        [ticketId],
      ),
    (rows) => rows.length === 1,
    { what: 'the republished resolution seen on the stream' },
  );
  // Under its original id, handled once; and not republished again.
  const inbox = await db.query<{ event_id: string }>(
    `SELECT event_id FROM routing.inbox WHERE consumer = 'routing-ticket-resolved-seen'`,
  );
  expect(inbox.map((r) => r.event_id)).toEqual([original.id]);
  expect(await reconcileResolutions()).toBe(0);
});
