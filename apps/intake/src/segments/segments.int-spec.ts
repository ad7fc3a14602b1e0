/**
 * Orders and G1 segments against real Postgres and JetStream: orders idempotent by external id, figures kept
 * from orders and ticket events, a customer crossing from new to high value with one event, the nightly pass
 * run once by two replicas, thresholds as settings with If-Match (G1, G2).
 */
import { randomUUID } from 'node:crypto';
import {
  CustomerRpc,
  CustomerWriteRpc,
  IntakeSettingsRpc,
  OrderRpc,
  type Caller,
  type CreateOrderDto,
  type TicketOpenedV1,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  pollUntil,
  publishTestEvent,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from '../intake.module';
import { IntakeEnv } from '../intake.env';
import { JobScheduler } from '@closeloop/scheduling';

jest.setTimeout(90_000);

let db: TestDatabase;
let prefix: string;
let replicas: InProcessService[];
let intake: InProcessService;

const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };
const admin: Caller = { ...agent, userId: randomUUID(), roles: ['admin'] };

async function customer(name: string): Promise<string> {
  const reply = await intake.rpc.request(CustomerWriteRpc.create, { caller: agent, customer: { name } });
  return reply.customer.id;
}

function order(customerId: string, amountFen: number, overrides: Partial<CreateOrderDto> = {}) {
  return intake.rpc.request(OrderRpc.create, {
    caller: agent,
    order: {
      customerId,
      externalOrderId: `erp-${randomUUID()}`,
      amountFen,
      productLine: 'water-heater',
      orderedAt: new Date().toISOString(),
      ...overrides,
    },
  });
}

async function segmentEvents(customerId: string) {
  return db.query<{ data: { segment?: string; previous?: string } }>(
    `SELECT envelope->'data' AS data FROM intake.outbox
     WHERE event_type = 'customer.segment-changed.v1' AND envelope->'data'->>'customerId' = $1 ORDER BY seq`,
    [customerId],
  );
}

async function segmentOf(id: string) {
  return (await intake.rpc.request(CustomerRpc.get, { caller: agent, id })).segment;
}

beforeAll(async () => {
  db = await createTestDatabase('segments');
  prefix = testPrefix();
  const start = () =>
    startService(IntakeEnv, (env) => IntakeModule.register(env), {
      databaseUrl: db.url,
      prefix,
      env: { JOB_POLL_SECONDS: '3600' },
    });
  replicas = await Promise.all([start(), start()]);
  intake = replicas[0];
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await db?.drop();
  await deleteTestStream(prefix);
});

/** `ticket.opened.v1` of a ticket opened as an L2 product-defect complaint at `at`. */
function complaintOpened(ticket: { ticketId: string; ticketNo: string; customerId: string }, at: string) {
  return {
    ...ticket,
    feedbackId: randomUUID(),
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    status: 'classified',
    slaPolicy: 'r1-default',
    due: { firstResponse: at, plan: at },
    openedAt: at,
  };
}
describe('settings (G1 thresholds, G2 targets)', () => {
  it('are read and replaced by admins with If-Match, validated, versioned', async () => {
    const current = await intake.rpc.request(IntakeSettingsRpc.get, { caller: admin, key: 'segments' });
    expect(current).toMatchObject({ version: 1, etag: '"segments.v1"' });
    expect(current.value).toMatchObject({
      newCustomerMonths: 3,
      highValue: { topSpendShare: 0.2, cooperationMonths: 12 },
      churnRisk: { inactiveMonths: 3, satisfactionBelow: 60 },
      targets: { newActivation30DaysShare: 0.8, churnRecoveryShare: 0.5 },
    });
    const put = (ifMatch: string | undefined, value: object, caller = admin) =>
      intake.rpc.request(IntakeSettingsRpc.put, {
        caller,
        key: 'segments',
        ...(ifMatch ? { ifMatch } : {}),
        value: value as Record<string, unknown>,
      });
    await expect(put(undefined, current.value)).rejects.toMatchObject({ code: 'PRECONDITION_REQUIRED' });
    await expect(put('"segments.v0"', current.value)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    await expect(put(current.etag, current.value, agent)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(put(current.etag, { ...current.value, newCustomerMonths: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    // The rank cut is recomputed on every change from here on (the test needs it exact).
    const saved = await put(current.etag, { ...current.value, spendRankMaxAgeSeconds: 0 });
    expect(saved).toMatchObject({ version: 2, etag: '"segments.v2"', updatedBy: admin.userId });
  });
});

describe('orders', () => {
  it('are recorded once per external id, count in the figures, and conflict on other content', async () => {
    const id = await customer('订单客户');
    const dto = { externalOrderId: `erp-${randomUUID()}`, orderedAt: '2026-11-02T03:00:00.000Z' };
    const first = await order(id, 129_900, dto);
    expect(first.replayed).toBe(false);
    const again = await order(id, 129_900, dto);
    expect(again).toEqual({ order: first.order, replayed: true });
    await expect(order(id, 99, dto)).rejects.toMatchObject({ code: 'ORDER.EXTERNAL_ID_TAKEN' });
    const view = await intake.rpc.request(CustomerRpc.get, { caller: agent, id });
    expect(view.stats).toMatchObject({ ordersCount: 1, totalSpendFen: 129_900, annualSpendFen: 129_900 });
    expect(view.stats.lastOrderAt).toBe('2026-11-02T03:00:00.000Z');
    const recorded = await db.query(
      `SELECT 1 FROM intake.outbox WHERE event_type = 'order.recorded.v1'
      AND envelope->'data'->>'orderId' = $1`,
      [first.order.id],
    );
    expect(recorded).toHaveLength(1);
  });
});

describe('G1 segments', () => {
  it('moves a new customer to high value when an order puts them in the top 20 %, with one event', async () => {
    // Ten customers with spend 10,000 .. 100,000 fen (and one of 129,900 above): with the new customer,
    // twelve customers have spend, and the top 20 % are those above the 10th of them.
    for (let i = 1; i <= 10; i++) await order(await customer(`客户${i}`), i * 10_000);
    const id = await customer('新客户');
    await order(id, 5_000);
    expect(await segmentOf(id)).toBe('new');
    await order(id, 50_000); // 55,000: the cut is 90,000
    expect(await segmentOf(id)).toBe('new');
    await order(id, 60_000); // 115,000: the cut is 100,000 now
    expect(await segmentOf(id)).toBe('high_value');
    expect((await segmentEvents(id)).map((e) => e.data)).toEqual([
      { customerId: id, segment: 'new', changedAt: expect.any(String) },
      { customerId: id, segment: 'high_value', previous: 'new', changedAt: expect.any(String) },
    ]);
  });

  it('counts tickets and complaints from ticket.opened.v1 once, however often it is delivered', async () => {
    const id = await customer('投诉客户');
    const data: TicketOpenedV1 = {
      ticketId: randomUUID(),
      ticketNo: '202611200001',
      feedbackId: randomUUID(),
      customerId: id,
      type: 'complaint',
      category: 'product.defect',
      level: 'L2',
      status: 'classified',
      slaPolicy: 'r1-default',
      due: { firstResponse: new Date().toISOString(), plan: new Date().toISOString() },
      openedAt: new Date().toISOString(),
    };
    // The same event twice under two message ids (past the stream's duplicate window): the inbox holds.
    const eventId = await publishTestEvent(prefix, 'ticket.opened.v1', data, { times: 2 });
    const stats = await pollUntil(
      async () => (await intake.rpc.request(CustomerRpc.get, { caller: agent, id })).stats,
      (s) => s.ticketsCount > 0,
      { what: 'ticket counted' },
    );
    expect(stats).toMatchObject({ ticketsCount: 1, complaintsCount: 1 });
    await pollUntil(
      () =>
        db.query(`SELECT 1 FROM intake.inbox WHERE event_id = $1 AND consumer = 'intake-ticket-opened'`, [
          eventId,
        ]),
      (rows) => rows.length === 1,
    );
    expect((await intake.rpc.request(CustomerRpc.get, { caller: agent, id })).stats.ticketsCount).toBe(1);
  });

  it('counts a burst of ticket.opened.v1 for several customers exactly, handled in batches', async () => {
    const [first, second] = [await customer('批量客户一'), await customer('批量客户二')];
    const opened = (customerId: string, i: number, type: 'complaint' | 'consultation') => ({
      ticketId: randomUUID(),
      ticketNo: `2026112100${String(i).padStart(2, '0')}`,
      feedbackId: randomUUID(),
      customerId,
      type,
      category: 'product.defect',
      level: 'L2',
      status: 'classified',
      slaPolicy: 'r1-default',
      due: { firstResponse: new Date().toISOString(), plan: new Date().toISOString() },
      openedAt: new Date(Date.UTC(2026, 10, 21, 2, i)).toISOString(),
    });
    await Promise.all([
      ...Array.from({ length: 6 }, (_, i) =>
        publishTestEvent(prefix, 'ticket.opened.v1', opened(first, i, i < 4 ? 'complaint' : 'consultation')),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        publishTestEvent(prefix, 'ticket.opened.v1', opened(second, 10 + i, 'consultation')),
      ),
    ]);
    const stats = (id: string) =>
      intake.rpc.request(CustomerRpc.get, { caller: agent, id }).then((c) => c.stats);
    expect(
      await pollUntil(
        () => stats(first),
        (s) => s.ticketsCount === 6,
        { what: 'six tickets' },
      ),
    ).toMatchObject({
      ticketsCount: 6,
      complaintsCount: 4,
      lastInteractionAt: new Date(Date.UTC(2026, 10, 21, 2, 5)).toISOString(),
    });
    expect(
      await pollUntil(
        () => stats(second),
        (s) => s.ticketsCount === 3,
        { what: 'three tickets' },
      ),
    ).toMatchObject({ ticketsCount: 3, complaintsCount: 0 });
  });

  it('moves the complaints figure when an agent reclassifies a complaint (ticket.reclassified.v1, I4)', async () => {
    const id = await customer('改类客户');
    const opened = new Date().toISOString();
    const ticket = { ticketId: randomUUID(), ticketNo: '202611200003', customerId: id };
    await publishTestEvent(prefix, 'ticket.opened.v1', complaintOpened(ticket, opened));
    const stats = () => intake.rpc.request(CustomerRpc.get, { caller: agent, id }).then((c) => c.stats);
    await pollUntil(stats, (s) => s.complaintsCount === 1, { what: 'complaint counted' });
    const reclassified = (type: string, previousType: string) => ({
      ...ticket,
      status: 'in_progress',
      actorId: randomUUID(),
      type,
      category: 'general.inquiry',
      level: 'L3',
      previous: { type: previousType, category: 'product.defect', level: 'L2' },
      due: { firstResponse: opened, plan: opened },
      reclassifiedAt: new Date().toISOString(),
    });
    await publishTestEvent(prefix, 'ticket.reclassified.v1', reclassified('consultation', 'complaint'));
    const after = await pollUntil(stats, (s) => s.complaintsCount === 0, { what: 'complaint uncounted' });
    expect(after).toMatchObject({
      ticketsCount: 1,
      complaintsCount: 0,
      lastInteractionAt: expect.any(String),
    });
    // Level or category alone leaves the figure; back to a complaint counts it again.
    await publishTestEvent(prefix, 'ticket.reclassified.v1', reclassified('consultation', 'consultation'));
    await publishTestEvent(prefix, 'ticket.reclassified.v1', reclassified('complaint', 'consultation'));
    await pollUntil(stats, (s) => s.complaintsCount === 1, { what: 'complaint counted again' });
  });

  it('counts a complaint right when its reclassification is handled before its opening (I4)', async () => {
    const id = await customer('先改类客户');
    const at = new Date().toISOString();
    const ticket = { ticketId: randomUUID(), ticketNo: '202611200004', customerId: id };
    const stats = () => intake.rpc.request(CustomerRpc.get, { caller: agent, id }).then((c) => c.stats);
    const figures = () =>
      db.query<{ complaints: number }>(
        'SELECT complaints_count AS complaints FROM intake.customer_activity WHERE customer_id = $1',
        [id],
      );
    // The opening consumer lags: the reclassification (complaint -> consultation) comes first ...
    await publishTestEvent(prefix, 'ticket.reclassified.v1', {
      ...ticket,
      status: 'classified',
      actorId: randomUUID(),
      type: 'consultation',
      category: 'general.inquiry',
      level: 'L3',
      previous: { type: 'complaint', category: 'product.defect', level: 'L2' },
      due: { firstResponse: at, plan: at },
      reclassifiedAt: at,
    });
    await pollUntil(figures, (rows) => rows[0]?.complaints === -1, { what: 'the reclassification handled' });
    expect(await stats()).toMatchObject({ complaintsCount: 0 }); // shown as at least 0 meanwhile
    // ... then the opening, with the type the ticket was opened with: no complaint remains.
    await publishTestEvent(prefix, 'ticket.opened.v1', complaintOpened(ticket, at));
    const after = await pollUntil(stats, (s) => s.ticketsCount === 1, { what: 'the opening counted' });
    expect(after).toMatchObject({ ticketsCount: 1, complaintsCount: 0 });
    expect(await figures()).toEqual([{ complaints: 0 }]);
  });

  it('makes a customer who objected to a resolution a churn risk (ticket.objected.v1)', async () => {
    const id = await customer('异议客户');
    await order(id, 1_000);
    expect(await segmentOf(id)).toBe('new');
    const objectedAt = new Date().toISOString();
    await publishTestEvent(prefix, 'ticket.objected.v1', {
      ticketId: randomUUID(),
      ticketNo: '202611200002',
      customerId: id,
      status: 'reopened',
      actorId: null,
      via: 'agent',
      round: 1,
      due: { firstResponse: objectedAt, plan: objectedAt },
      objectedAt,
    });
    await pollUntil(
      () => segmentOf(id),
      (segment) => segment === 'churn_risk',
      { what: 'churn risk' },
    );
    const stats = (await intake.rpc.request(CustomerRpc.get, { caller: agent, id })).stats;
    expect(stats).toMatchObject({ objectionsCount: 1, lastObjectionAt: objectedAt });
  });

  it('runs the nightly pass once with two replicas, moving silent customers to churn risk once', async () => {
    const id = await customer('沉默客户');
    expect(await segmentOf(id)).toBe('new');
    // Registered four months ago and silent since: no interaction in 3 months (G1 churn risk).
    await db.query(`UPDATE intake.customers SET created_at = now() - interval '4 months' WHERE id = $1`, [
      id,
    ]);
    await db.query(`UPDATE intake.scheduled_jobs SET next_run_at = now() - interval '1 second'
      WHERE name = 'segments-nightly'`);
    const ran = await Promise.all(replicas.map((r) => r.app.get(JobScheduler).tick('segments-nightly')));
    expect(ran.flat()).toEqual(['segments-nightly']);
    expect(await segmentOf(id)).toBe('churn_risk');
    const [job] = await db.query<{ runs: number; next_run_at: Date; lease_until: Date | null }>(
      `SELECT runs, next_run_at, lease_until FROM intake.scheduled_jobs WHERE name = 'segments-nightly'`,
    );
    expect(job).toMatchObject({ runs: 1, lease_until: null });
    expect(job.next_run_at.getTime()).toBeGreaterThan(Date.now());
    // Not due any more: another pass changes nothing and emits nothing.
    expect(
      (await Promise.all(replicas.map((r) => r.app.get(JobScheduler).tick('segments-nightly')))).flat(),
    ).toEqual([]);
    expect((await segmentEvents(id)).map((e) => e.data.segment)).toEqual(['new', 'churn_risk']);
  });
});
