/**
 * R8 against real Postgres and JetStream: complaints of one category above the threshold three business
 * weeks in a row open one improvement case — once, however many routing instances evaluate the week —
 * with the departments involved, the customers affected and the money at stake; a run that goes on
 * extends the same case; supervisors update it with If-Match.
 */
import { randomUUID } from 'node:crypto';
import {
  ImprovementRpc,
  RoutingRpc,
  RoutingSettingsRpc,
  ticketEtag,
  versionEtag,
  type Caller,
  type FeedbackReceivedV1,
} from '@closeloop/contracts';
import {
  createTestScope,
  pollUntil,
  publishTestEvent,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { startRouting } from '../testing/routing-fixtures';
import { ImprovementDetectorService } from './improvement-detector.service';

jest.setTimeout(90_000);

let scope: TestScope;
let db: TestDatabase;
let prefix: string;
let a: InProcessService;
let b: InProcessService;
const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
const lead: Caller = {
  userId: randomUUID(),
  roles: ['supervisor'],
  departments: ['after-sales'],
  stores: [],
};
const analyst: Caller = { userId: randomUUID(), roles: ['analyst'], departments: [], stores: [] };

const start = () => startRouting(scope, { env: { SLA_SWEEP_INTERVAL_MS: '0' } });
const detector = (service: InProcessService) => service.app.get(ImprovementDetectorService);

let sequence = 0;
async function complaint(
  receivedAt: string,
  overrides: Partial<FeedbackReceivedV1> = {},
  department: string | null = null,
): Promise<string> {
  sequence += 1;
  const ticketNo = `20261101${String(sequence).padStart(6, '0')}`;
  await publishTestEvent(prefix, 'feedback.received.v1', {
    feedbackId: randomUUID(),
    ticketNo,
    customerId: randomUUID(),
    channel: 'hotline',
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    receivedAt: new Date(receivedAt).toISOString(),
    ...overrides,
  } satisfies FeedbackReceivedV1);
  await pollUntil(
    () => db.query('SELECT 1 FROM routing.tickets WHERE ticket_no = $1', [ticketNo]),
    (rows) => rows.length === 1,
    { what: ticketNo },
  );
  if (department) {
    await db.query('UPDATE routing.tickets SET department = $2 WHERE ticket_no = $1', [ticketNo, department]);
  }
  return ticketNo;
}

beforeAll(async () => {
  scope = await createTestScope('routing_improvement');
  ({ db, prefix } = scope);
  a = await start();
  b = await start();
  const current = await a.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'improvement' });
  await a.rpc.request(RoutingSettingsRpc.put, {
    caller: admin,
    key: 'improvement',
    ifMatch: current.etag,
    value: { ...current.value, weeklyThreshold: 2 }, // more than 2 a week, 3 weeks in a row
  });
});

afterAll(() => scope?.close());

it('opens one case per run of weeks, with departments, customers and money, and extends it while the run goes on', async () => {
  const repeat = randomUUID(); // one customer complains twice
  const weeks = ['2026-11-04', '2026-11-11', '2026-11-18']; // Wednesdays of 2026-W45, W46, W47
  const tickets: string[] = [];
  for (const [i, day] of weeks.entries()) {
    tickets.push(await complaint(`${day}T10:00:00+08:00`, {}, 'after-sales'));
    tickets.push(await complaint(`${day}T11:00:00+08:00`, {}, i === 1 ? 'quality' : null));
    tickets.push(await complaint(`${day}T12:00:00+08:00`, i > 0 ? { customerId: repeat } : {}));
    // Below the threshold in W46 (one only), and a consultation that is not a complaint.
    if (i !== 1) await complaint(`${day}T13:00:00+08:00`, { category: 'service.attitude' });
    await complaint(`${day}T14:00:00+08:00`, { type: 'consultation' });
  }
  // Sunday 23:30 in Shanghai is still W47 (Sunday 15:30 UTC): counted in the business week, not the UTC one.
  tickets.push(await complaint('2026-11-22T23:30:00+08:00'));
  const amounts = async (ticketNo: string, input: { claimedFen?: number; compensationFen?: number }) => {
    const view = await a.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo });
    await a.rpc.request(RoutingRpc.amounts, {
      caller: admin,
      ticketNo,
      ifMatch: ticketEtag(view.version),
      input,
    });
  };
  await amounts(tickets[0], { claimedFen: 300_000_00 }); // 300,000 yuan claimed
  await amounts(tickets[4], { claimedFen: 50_000, compensationFen: 80_000 }); // the larger counts

  // Tuesday of W48: W47 has closed. Both instances evaluate it at once; one case opens.
  const tuesday = new Date('2026-11-24T10:00:00+08:00');
  const [ra, rb] = await Promise.all([detector(a).run(tuesday), detector(b).run(tuesday)]);
  expect([ra, rb].filter((r) => r?.opened === 1)).toHaveLength(1);
  expect(await detector(a).run(tuesday)).toBeNull();
  const restarted = await start();
  expect(await detector(restarted).run(tuesday)).toBeNull(); // the week is claimed in the database
  await restarted.close();

  const page = await a.rpc.request(ImprovementRpc.list, { caller: analyst });
  expect(page.items).toHaveLength(1);
  const opened = await a.rpc.request(ImprovementRpc.get, { caller: analyst, id: page.items[0].id });
  expect(opened).toMatchObject({
    category: 'product.defect',
    types: ['complaint'],
    status: 'open',
    firstWeek: '2026-W45',
    lastWeek: '2026-W47',
    weeks: 3,
    weekly: [
      { week: '2026-W45', tickets: 3 },
      { week: '2026-W46', tickets: 3 },
      { week: '2026-W47', tickets: 4 },
    ],
    ticketCount: 10,
    customersAffected: 9,
    amountAtStakeFen: 300_000_00 + 80_000,
    departments: ['after-sales', 'quality', 'technical-support'], // the rest as dispatched (R3 seed)
    // 9 customers × 1 + 300.8 thousand yuan × 1 = 309.8: high (≥ 50)
    priority: 309.8,
    priorityBand: 'high',
    version: 1,
  });
  const [event] = await db.query<{ data: Record<string, unknown> }>(
    `SELECT envelope->'data' AS data FROM routing.outbox WHERE envelope->>'type' = 'improvement-case.opened.v1'`,
  );
  expect(event.data).toMatchObject({ caseId: opened.id, customersAffected: 9, priorityBand: 'high' });
  expect(event.data).not.toHaveProperty('customerIds');

  // W48 runs high too: the same case grows by a week when W48 closes.
  for (const hour of ['10', '11', '12']) await complaint(`2026-11-25T${hour}:00:00+08:00`);
  expect(await detector(b).run(new Date('2026-12-01T10:00:00+08:00'))).toEqual({
    week: '2026-W48',
    opened: 0,
    extended: 1,
  });
  const extended = await a.rpc.request(ImprovementRpc.get, { caller: admin, id: opened.id });
  expect(extended).toMatchObject({ lastWeek: '2026-W48', weeks: 4, ticketCount: 13, version: 2 });
  expect(extended.history.map((h) => h.action)).toEqual(['opened', 'extended']);

  // Routing was down through W49 and W50: back on Tuesday of W51, it evaluates both, oldest first.
  for (const day of ['2026-12-02', '2026-12-09']) {
    for (const hour of ['10', '11', '12']) await complaint(`${day}T${hour}:00:00+08:00`);
  }
  expect(await detector(a).run(new Date('2026-12-15T10:00:00+08:00'))).toEqual({
    week: '2026-W50',
    opened: 0,
    extended: 1,
  });
  const caughtUp = await a.rpc.request(ImprovementRpc.get, { caller: admin, id: opened.id });
  expect(caughtUp).toMatchObject({ lastWeek: '2026-W50', weeks: 6, ticketCount: 19 });
  expect(caughtUp.history.map((h) => h.action)).toEqual(['opened', 'extended', 'extended', 'extended']);
});

it('is updated by a supervisor of a department involved, with If-Match', async () => {
  const [summary] = (await a.rpc.request(ImprovementRpc.list, { caller: lead, status: 'open' })).items;
  const update = (caller: Caller, ifMatch: string | undefined, input: object) =>
    a.rpc.request(ImprovementRpc.update, { caller, id: summary.id, ...(ifMatch ? { ifMatch } : {}), input });
  const input = {
    status: 'in_progress',
    ownerId: lead.userId,
    plan: '更换门锁供应商，来料全检',
    note: '周会决定',
  };
  await expect(update(lead, undefined, input)).rejects.toMatchObject({ code: 'PRECONDITION_REQUIRED' });
  await expect(update(lead, versionEtag(1), input)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  await expect(update(analyst, versionEtag(summary.version), input)).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  const outsider: Caller = { ...lead, userId: randomUUID(), departments: ['billing'] };
  await expect(update(outsider, versionEtag(summary.version), input)).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  const updated = await update(lead, versionEtag(summary.version), input);
  expect(updated).toMatchObject({
    status: 'in_progress',
    ownerId: lead.userId,
    plan: '更换门锁供应商，来料全检',
    version: summary.version + 1,
  });
  // (The first test's catch-up wrote history at a later business date than now: look the entry up.)
  expect(updated.history).toContainEqual(
    expect.objectContaining({ actor: lead.userId, action: 'in_progress' }),
  );
  const agent: Caller = { ...lead, roles: ['agent'] };
  await expect(a.rpc.request(ImprovementRpc.list, { caller: agent })).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
});
