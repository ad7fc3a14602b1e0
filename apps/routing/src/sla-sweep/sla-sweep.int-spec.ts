/**
 * The SLA sweep (R7, R9) against real Postgres and JetStream, with two routing instances on one database:
 * warnings before a due time, the breach at it, escalation to the department's supervisors and then the
 * department above — each exactly once per due time however the instances race or restart; the R9 rule
 * and archiving; the clock stopped while a ticket waits on the customer.
 */
import { randomUUID } from 'node:crypto';
import {
  ComplianceRpc,
  RoutingRpc,
  ticketEtag,
  type Caller,
  type FeedbackReceivedV1,
  type RpcDefinition,
  type TicketCommand,
  type TicketView,
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
import { SlaSweepService } from './sla-sweep.service';

jest.setTimeout(90_000);

const MIN = 60_000;
let scope: TestScope;
let db: TestDatabase;
let prefix: string;
let a: InProcessService;
let b: InProcessService;

const supervisor = randomUUID(); // after-sales
const head = randomUUID(); // service-center, above after-sales
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: ['after-sales'], stores: [] };

// The test drives the sweep with its own clock.
const start = () => startRouting(scope, { env: { SLA_SWEEP_INTERVAL_MS: '0' } });
const sweeper = (service: InProcessService) => service.app.get(SlaSweepService);

let sequence = 0;
async function openTicket(receivedAt: Date, overrides: Partial<FeedbackReceivedV1> = {}): Promise<string> {
  sequence += 1;
  const ticketNo = `20261201${String(sequence).padStart(6, '0')}`;
  await publishTestEvent(prefix, 'feedback.received.v1', {
    feedbackId: randomUUID(),
    ticketNo,
    customerId: randomUUID(),
    channel: 'hotline',
    type: 'complaint',
    category: 'product.defect',
    level: 'L1',
    receivedAt: receivedAt.toISOString(),
    ...overrides,
  } satisfies FeedbackReceivedV1);
  await pollUntil(
    () => db.query('SELECT 1 FROM routing.tickets WHERE ticket_no = $1', [ticketNo]),
    (rows) => rows.length === 1,
    { what: `ticket ${ticketNo}` },
  );
  // Dispatch is another part of routing; the test puts the ticket in its department itself.
  await db.query(`UPDATE routing.tickets SET department = 'after-sales' WHERE ticket_no = $1`, [ticketNo]);
  return ticketNo;
}

interface Fired {
  type: string;
  metric: string;
  level: number | null;
  to: string | null;
  supervisors: string[] | null;
}

async function fired(ticketNo: string): Promise<Fired[]> {
  return db.query<Fired>(
    `SELECT envelope->>'type' AS type, envelope->'data'->>'metric' AS metric,
            (envelope->'data'->>'escalationLevel')::int AS level, envelope->'data'->>'toDepartment' AS to,
            envelope->'data'->'supervisorIds' AS supervisors
       FROM routing.outbox
      WHERE envelope->'data'->>'ticketNo' = $1 AND envelope->>'type' IN
            ('ticket.sla-warning.v1', 'ticket.sla-breached.v1', 'ticket.escalated.v1')
      ORDER BY seq`,
    [ticketNo],
  );
}

const summary = (events: Fired[]) =>
  events.map((e) => `${e.metric}:${e.type.replace(/^ticket\.|\.v1$/g, '')}${e.level ?? ''}`).sort();

beforeAll(async () => {
  scope = await createTestScope('routing_sweep');
  ({ db, prefix } = scope);
  a = await start();
  b = await start();
  const changedAt = new Date().toISOString();
  const department = {
    active: true,
    version: 1,
    changedAt,
    calendarId: null,
    assignmentStrategy: 'round_robin',
    preferPreviousAgent: false,
  };
  const person = {
    roles: ['supervisor'],
    storeIds: [],
    skillIds: [],
    capacity: 10,
    availability: 'on_shift',
    active: true,
    version: 1,
    changedAt,
  };
  await publishTestEvent(prefix, 'org.agent-changed.v1', {
    ...person,
    userId: supervisor,
    departmentIds: ['after-sales'],
  });
  await publishTestEvent(prefix, 'org.agent-changed.v1', {
    ...person,
    userId: head,
    departmentIds: ['service-center'],
  });
  await publishTestEvent(prefix, 'org.department-changed.v1', {
    ...department,
    departmentId: 'service-center',
    parentId: null,
    supervisorIds: [head],
  });
  await publishTestEvent(prefix, 'org.department-changed.v1', {
    ...department,
    departmentId: 'after-sales',
    parentId: 'service-center',
    supervisorIds: [supervisor],
  });
  await pollUntil(
    () => db.query('SELECT 1 FROM routing.org_departments UNION ALL SELECT 1 FROM routing.org_agents'),
    (rows) => rows.length === 4,
    { what: 'org read model' },
  );
});

afterAll(() => scope?.close());

it('breaches and escalates each due time exactly once while two instances sweep at the same moment', async () => {
  const receivedAt = new Date(Date.now() - 3 * 60 * MIN); // recorded after the fact: 3 h ago
  const tickets = await Promise.all(Array.from({ length: 20 }, () => openTicket(receivedAt)));
  const now = new Date();
  const [ra, rb] = await Promise.all([sweeper(a).sweep(now, 7), sweeper(b).sweep(now, 7)]);
  // L1: first response due 2 h 50 min ago (level 2 after 2 h: due too), plan due 1 h ago (level 2 not yet).
  expect(ra.breaches + rb.breaches).toBe(40);
  expect(ra.escalations + rb.escalations).toBe(60);
  expect(ra.warnings + rb.warnings).toBe(0); // past due times get no warning
  for (const ticketNo of tickets) {
    const events = await fired(ticketNo);
    expect(summary(events)).toEqual([
      'firstResponse:escalated1',
      'firstResponse:escalated2',
      'firstResponse:sla-breached',
      'plan:escalated1',
      'plan:sla-breached',
    ]);
    const escalations = events.filter((e) => e.level !== null);
    expect(escalations.filter((e) => e.level === 1).map((e) => [e.to, e.supervisors])).toEqual([
      ['after-sales', [supervisor]],
      ['after-sales', [supervisor]],
    ]);
    expect(escalations.find((e) => e.level === 2)).toMatchObject({
      to: 'service-center',
      supervisors: [head],
    });
  }
  // Sweeping again, on either instance, repeats nothing; even tickets pushed back into the sweep (as a
  // crash between two steps would) fire nothing twice: sla_alerts' unique key is the last guard.
  expect(await sweeper(a).sweep(now)).toMatchObject({ breaches: 0, escalations: 0 });
  await db.query(`UPDATE routing.tickets SET next_alert_at = $1 WHERE ticket_no = ANY($2)`, [
    new Date(now.getTime() - MIN),
    tickets,
  ]);
  expect(await sweeper(b).sweep(now)).toMatchObject({ tickets: 20, breaches: 0, escalations: 0 });
  const view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo: tickets[0] });
  expect(view).toMatchObject({ slaState: 'breached', escalationLevel: 2, version: 1 });
  expect(view.outcomes.map((o) => [o.metric, o.met, o.completedAt])).toEqual([
    ['firstResponse', false, null],
    ['plan', false, null],
  ]);
  // One history entry per breach, naming the escalations it caused in the same pass.
  expect(view.history.filter((h) => h.action === 'sla-breached').map((h) => h.data)).toEqual([
    {
      metric: 'firstResponse',
      dueAt: view.due.firstResponse,
      escalations: [
        { level: 1, toDepartment: 'after-sales' },
        { level: 2, toDepartment: 'service-center' },
      ],
    },
    { metric: 'plan', dueAt: view.due.plan, escalations: [{ level: 1, toDepartment: 'after-sales' }] },
  ]);
});

it('survives a restart: the next level fires once, later, from a fresh instance', async () => {
  const receivedAt = new Date(Date.now() - 3 * 60 * MIN);
  const ticketNo = await openTicket(receivedAt);
  const now = new Date();
  expect(await sweeper(a).sweep(now)).toMatchObject({ breaches: 2, escalations: 3 });
  await a.close();
  a = await start(); // a new process: only the database remembers what was fired
  const later = new Date(receivedAt.getTime() + 4 * 60 * MIN); // the plan breach is now 2 h old
  await Promise.all([sweeper(a).sweep(later), sweeper(b).sweep(later)]);
  await sweeper(a).sweep(later);
  expect(summary(await fired(ticketNo))).toEqual([
    'firstResponse:escalated1',
    'firstResponse:escalated2',
    'firstResponse:sla-breached',
    'plan:escalated1',
    'plan:escalated2',
    'plan:sla-breached',
  ]);
  // Nothing is due for this ticket until its progress update (24 h after receipt).
  const [row] = await db.query<{ next_alert_at: Date }>(
    'SELECT next_alert_at FROM routing.tickets WHERE ticket_no = $1',
    [ticketNo],
  );
  expect(row.next_alert_at.getTime()).toBe(receivedAt.getTime() + 24 * 60 * MIN - 15 * MIN);
});

it('warns inside the window, breaches at the due time, and stops escalating once the metric is met', async () => {
  const receivedAt = new Date();
  const ticketNo = await openTicket(receivedAt);
  const at = (minutes: number) => new Date(receivedAt.getTime() + minutes * MIN);
  await sweeper(b).sweep(at(1)); // 9 min to the first response: inside the 15-min window
  expect(summary(await fired(ticketNo))).toEqual(['firstResponse:sla-warning']);
  await sweeper(a).sweep(at(10));
  expect(summary(await fired(ticketNo))).toEqual([
    'firstResponse:escalated1',
    'firstResponse:sla-breached',
    'firstResponse:sla-warning',
  ]);
  const view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  await a.rpc.request(RoutingRpc.respond, {
    caller: agent,
    ticketNo,
    ifMatch: ticketEtag(view.version),
    input: {},
  });
  await sweeper(a).sweep(at(200)); // first response done: no level 2 for it; the plan (2 h) breached
  expect(summary(await fired(ticketNo))).toEqual([
    'firstResponse:escalated1',
    'firstResponse:sla-breached',
    'firstResponse:sla-warning',
    'plan:escalated1',
    'plan:sla-breached', // no warning: the sweep came after the due time
  ]);
  const after = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  expect(after.outcomes.find((o) => o.metric === 'firstResponse')).toMatchObject({
    met: false,
    completedAt: expect.any(String), // missed, and answered later: both are on record
  });
});

it('stops the clock while the ticket waits on the customer', async () => {
  const receivedAt = new Date();
  const ticketNo = await openTicket(receivedAt, { level: 'L2' }); // 30 min / 4 h
  let view: TicketView = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  view = await a.rpc.request(RoutingRpc.respond, {
    caller: agent,
    ticketNo,
    ifMatch: ticketEtag(view.version),
    input: {},
  });
  view = await a.rpc.request(RoutingRpc.pause, {
    caller: agent,
    ticketNo,
    ifMatch: ticketEtag(view.version),
    input: { reason: '等待客户提供购买凭证' },
  });
  expect(view.nextDue).toBeNull();
  // Five hours later the plan (due at 4 h) would be breached, but its clock is stopped.
  const fiveHours = new Date(receivedAt.getTime() + 5 * 60 * MIN);
  await sweeper(a).sweep(fiveHours);
  expect(await fired(ticketNo)).toEqual([]);
  const planDue = new Date(view.due.plan).getTime();
  view = await a.rpc.request(RoutingRpc.resume, {
    caller: agent,
    ticketNo,
    ifMatch: ticketEtag(view.version),
    input: {},
  });
  const pausedMs = view.history.at(-1)!.data.pausedMs as number;
  expect(pausedMs).toBeGreaterThan(0);
  expect(new Date(view.due.plan).getTime()).toBe(planDue + pausedMs); // calendar clock: the elapsed span
  expect(view.nextDue).toBe(view.due.plan);
});

it('R9: closes a resolved ticket the customer never answers, then archives it', async () => {
  const ticketNo = await openTicket(new Date());
  let view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  view = await a.rpc.request(RoutingRpc.resolve, {
    caller: agent,
    ticketNo,
    ifMatch: ticketEtag(view.version),
    input: { summary: '已远程重置设备' },
  });
  const autoCloseAt = new Date(view.autoCloseAt!);
  expect(await sweeper(b).sweep(new Date(autoCloseAt.getTime() - 1000))).toMatchObject({ settled: 0 });
  expect(await sweeper(b).sweep(autoCloseAt)).toMatchObject({ settled: 1 });
  view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  expect(view).toMatchObject({
    status: 'closed',
    closeReason: { code: 'no_customer_response' },
    closedAt: autoCloseAt.toISOString(),
  });
  const [closed] = await db.query<{ data: Record<string, unknown> }>(
    `SELECT envelope->'data' AS data FROM routing.outbox WHERE envelope->>'type' = 'ticket.closed.v1'
        AND envelope->'data'->>'ticketNo' = $1`,
    [ticketNo],
  );
  expect(closed.data).toMatchObject({ reasonCode: 'no_customer_response', automatic: true, actorId: null });
  // 30 days after closing (lifecycle settings), the ticket is archived.
  await sweeper(a).sweep(new Date(autoCloseAt.getTime() + 30 * 24 * 60 * MIN));
  view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
  expect(view.status).toBe('archived');
  expect(view.history.slice(-2).map((h) => [h.action, h.actor])).toEqual([
    ['auto-closed', null],
    ['archived', null],
  ]);
});

it('weekly compliance: met / due per level and category in the business week, flagged below 80%', async () => {
  // Tickets received in a week of their own (2027-W01) so the figures are this test's alone.
  const receivedAt = new Date('2027-01-06T09:00:00+08:00');
  const late = await openTicket(receivedAt, { level: 'L1' });
  const onTime = await openTicket(receivedAt, { level: 'L2' });
  const suggestion = await openTicket(receivedAt, { level: 'L3', category: 'service.attitude' });
  const act = async <T extends object>(
    ticketNo: string,
    definition: RpcDefinition<TicketCommand<T>, TicketView>,
    input: T,
  ) => {
    const view = await a.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo });
    return a.rpc.request(definition, { caller: agent, ticketNo, ifMatch: ticketEtag(view.version), input });
  };
  await act(onTime, RoutingRpc.respond, {});
  await act(onTime, RoutingRpc.plan, { what: '寄送新配件', dueBy: '2027-01-08T10:00:00.000Z' });
  await act(suggestion, RoutingRpc.respond, {});
  await sweeper(a).sweep(new Date('2027-01-06T13:00:00+08:00')); // L1: 09:10 and 11:00 breached
  expect(await fired(late)).toHaveLength(6); // two breaches, each escalated to levels 1 and 2

  const admin: Caller = { ...agent, userId: randomUUID(), roles: ['admin'], departments: [] };
  const view = await a.rpc.request(ComplianceRpc.weekly, { caller: admin, week: '2027-W01' });
  expect(view).toMatchObject({
    week: '2027-W01',
    from: '2027-01-03T16:00:00.000Z', // Monday 2027-01-04 00:00 in Shanghai
    to: '2027-01-10T16:00:00.000Z',
    timeZone: 'Asia/Shanghai',
    thresholdPercent: 80,
    departments: null,
    total: { due: 5, met: 3, ratePercent: 60, flagged: true },
  });
  expect(view.byLevel.map((l) => [l.level, l.due, l.met, l.ratePercent, l.flagged])).toEqual([
    ['L1', 2, 0, 0, true],
    ['L2', 2, 2, 100, false],
    ['L3', 1, 1, 100, false],
  ]);
  expect(view.byCategory.map((c) => [c.category, c.due, c.met, c.flagged])).toEqual([
    ['product.defect', 4, 2, true],
    ['service.attitude', 1, 1, false],
  ]);
  expect(view.total.metrics).toEqual({
    firstResponse: { due: 3, met: 2 },
    plan: { due: 2, met: 1 },
    progress: { due: 0, met: 0 },
    resolution: { due: 0, met: 0 },
  });
  // Supervisors see their own departments; agents see none of it.
  const lead: Caller = { ...agent, userId: supervisor, roles: ['supervisor'] };
  const own = await a.rpc.request(ComplianceRpc.weekly, { caller: lead, week: '2027-W01' });
  expect(own).toMatchObject({ departments: ['after-sales'], total: { due: 5 } });
  await expect(
    a.rpc.request(ComplianceRpc.weekly, { caller: lead, week: '2027-W01', department: 'billing' }),
  ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(a.rpc.request(ComplianceRpc.weekly, { caller: agent })).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
  await expect(
    a.rpc.request(ComplianceRpc.weekly, { caller: admin, week: '2025-W53' }),
  ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
});
