/**
 * R7 on the running platform with two routing replicas sweeping the same database every 300 ms: a breach
 * of a complaint recorded after the fact is escalated exactly once per level — first to the supervisors of
 * the ticket's department, then to the department above — and never again, however often either replica
 * sweeps afterwards, including after one of them is killed.
 */
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  startPlatform,
  type ReceivedEvent,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(180_000);

let platform: RunningPlatform;
let admin: Api;
let agent: Api;
let partner: PartnerConsumer;
let supervisorId: string;
let headId: string;

const HOUR = 3_600_000;

async function createSupervisor(email: string, departmentIds: string[]): Promise<string> {
  const created = await admin.post('/api/v1/org/agents', {
    email,
    displayName: email.split('@')[0],
    password: 'e2e-password-123',
    roles: ['supervisor'],
    capacity: 0,
    departmentIds,
  });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function patchDepartment(id: string, body: object): Promise<void> {
  const current = await admin.get(`/api/v1/org/departments/${id}`);
  const changed = await admin.request('PATCH', `/api/v1/org/departments/${id}`, body, {
    'if-match': current.headers.get('etag')!,
  });
  expect(changed.status).toBe(200);
}

let phone = 13_600_000_000;
/** An L1 complaint (safety) the customer made 3 hours ago, recorded now: its due times have passed. */
async function lateL1(): Promise<string> {
  phone += 1;
  const response = await agent.post('/api/v1/feedback', {
    channel: 'hotline',
    customer: { phone: String(phone) },
    type: 'complaint',
    category: 'product.defect',
    description: '热水器漏电，孩子差点触电',
    receivedAt: new Date(Date.now() - 3 * HOUR).toISOString(),
  });
  expect(response.status).toBe(201);
  expect(response.body.level).toBe('L1');
  return response.body.ticketNo as string;
}

const alertsOf = (ticketNo: string): ReceivedEvent[] =>
  partner.events.filter(
    (e) => e.data.ticketNo === ticketNo && ['ticket.sla-breached.v1', 'ticket.escalated.v1'].includes(e.type),
  );

const summary = (events: ReceivedEvent[]) =>
  events
    .map((e) =>
      e.type === 'ticket.escalated.v1'
        ? `${String(e.data.metric)}:escalated${String(e.data.escalationLevel)}:${String(e.data.toDepartment)}`
        : `${String(e.data.metric)}:breached`,
    )
    .sort();

/** L1 received 3 h ago: first response (10 min) and plan (2 h) breached; the first response 2 h ago. */
const EXPECTED = [
  'firstResponse:breached',
  'firstResponse:escalated1:technical-support',
  'firstResponse:escalated2:service-center',
  'plan:breached',
  'plan:escalated1:technical-support',
];

beforeAll(async () => {
  platform = await startPlatform('escalation', {
    env: { SLA_SWEEP_INTERVAL_MS: '300', LOG_LEVEL: 'warn' },
  });
  await platform.startReplica('routing');
  const anonymous = new Api(platform.gatewayUrl);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
  const created = await admin.post('/api/v1/users', {
    email: 'agent@escalation.test',
    displayName: 'Agent',
    password: 'e2e-password-123',
    roles: ['agent'],
    departments: ['technical-support'],
  });
  expect(created.status).toBe(201);
  agent = await anonymous.login('agent@escalation.test', 'e2e-password-123');

  // technical-support (supervisor) sits under service-center (its head): R7's two levels.
  supervisorId = await createSupervisor('lead@escalation.test', ['technical-support']);
  headId = await createSupervisor('head@escalation.test', []);
  const center = await admin.post('/api/v1/org/departments', {
    id: 'service-center',
    name: '客户服务中心',
    supervisorIds: [headId],
  });
  expect(center.status).toBe(201);
  await patchDepartment('technical-support', { parentId: 'service-center', supervisorIds: [supervisorId] });
  // routing learns the directory from org.*.v1 events.
  await pollUntil(
    () =>
      platform.db.query<{ parent_id: string | null; supervisor_ids: string[] }>(
        `SELECT parent_id, supervisor_ids FROM routing.org_departments WHERE id = 'technical-support'`,
      ),
    (rows) => rows[0]?.parent_id === 'service-center' && rows[0].supervisor_ids.length === 1,
    { what: "routing's read model of the department tree" },
  );
  partner = await PartnerConsumer.start(platform.prefix, 'partner-escalation', 'ticket.>');
});

afterAll(async () => {
  await partner?.stop();
  await platform?.stop();
});

it('escalates a breach exactly once per level with two routing replicas sweeping', async () => {
  const first = await lateL1();
  await pollUntil(
    () => Promise.resolve(summary(alertsOf(first))),
    (seen) => seen.length >= EXPECTED.length,
    { what: 'breaches and escalations of the first ticket', timeoutMs: 30_000 },
  );
  const escalations = alertsOf(first).filter((e) => e.type === 'ticket.escalated.v1');
  expect(escalations.find((e) => e.data.escalationLevel === 1)!.data.supervisorIds).toEqual([supervisorId]);
  expect(escalations.find((e) => e.data.escalationLevel === 2)!.data.supervisorIds).toEqual([headId]);

  // Later work by the same sweepers: a second late ticket, its alerts seen after both replicas swept many
  // more times (every 300 ms each), then one replica killed and a third ticket swept by the survivor.
  const second = await lateL1();
  await pollUntil(
    () => Promise.resolve(alertsOf(second).length),
    (n) => n >= EXPECTED.length,
    { what: 'the second ticket escalated', timeoutMs: 30_000 },
  );
  await platform.kill('routing', 'SIGKILL');
  const third = await lateL1();
  await pollUntil(
    () => Promise.resolve(alertsOf(third).length),
    (n) => n >= EXPECTED.length,
    { what: 'the third ticket escalated by the remaining replica', timeoutMs: 30_000 },
  );

  for (const ticketNo of [first, second, third]) {
    const alerts = alertsOf(ticketNo);
    expect(summary(alerts)).toEqual(EXPECTED); // exactly once each
    expect(new Set(alerts.map((e) => e.id)).size).toBe(alerts.length);
  }
  const [{ n }] = await platform.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM routing.sla_alerts a JOIN routing.tickets t ON t.id = a.ticket_id
      WHERE t.ticket_no = $1 AND a.kind IN ('breach', 'escalation')`,
    [first],
  );
  expect(Number(n)).toBe(EXPECTED.length);
  const ticket = await agent.get(`/api/v1/tickets/${first}`);
  expect(ticket.body).toMatchObject({ slaState: 'breached', escalationLevel: 2 });
  expect(ticket.body.outcomes.map((o: { metric: string; met: boolean }) => `${o.metric}:${o.met}`)).toEqual([
    'firstResponse:false',
    'plan:false',
  ]);
});
