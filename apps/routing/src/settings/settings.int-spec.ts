/**
 * routing's settings through its RPC, against real Postgres and JetStream: an admin replaces the SLA
 * document with If-Match, the change is versioned and announced (settings.changed.v1, outbox), and tickets
 * opened afterwards use the new policy while earlier tickets keep their due times (R1, R2).
 */
import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import {
  eventSubject,
  RoutingRpc,
  RoutingSettingsRpc,
  type Caller,
  type FeedbackReceivedV1,
  type TicketView,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  pollUntil,
  startService,
  testNats,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { RoutingEnv } from '../routing.env';
import { RoutingModule } from '../routing.module';
import { CalendarCoverageScheduler } from '../sla/calendar-coverage.scheduler';

jest.setTimeout(60_000);

let db: TestDatabase;
let prefix: string;
let routing: InProcessService;
const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };
// Product defects go to technical support (R3 dispatch); an agent there may read them.
const agent: Caller = {
  ...admin,
  userId: randomUUID(),
  roles: ['agent'],
  departments: ['technical-support'],
};

async function openTicket(overrides: Partial<FeedbackReceivedV1>): Promise<TicketView> {
  const data: FeedbackReceivedV1 = {
    feedbackId: randomUUID(),
    ticketNo: `20261120${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
    customerId: randomUUID(),
    channel: 'wechat',
    type: 'complaint',
    category: 'product.defect',
    level: 'L1',
    receivedAt: '2026-11-20T09:50:00.000Z', // Friday 17:50 in Shanghai
    ...overrides,
  };
  const envelope = {
    specversion: '1.0',
    id: randomUUID(),
    type: 'feedback.received.v1',
    source: 'closeloop/intake',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
  const nc = await testNats();
  try {
    await jetstream(nc).publish(eventSubject(prefix, 'feedback.received.v1'), JSON.stringify(envelope), {
      msgID: envelope.id,
    });
  } finally {
    await nc.close();
  }
  return pollUntil(
    () => routing.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo: data.ticketNo }),
    () => true,
    { what: `ticket ${data.ticketNo}` },
  );
}

const business = (minutes: number) => ({ clock: 'business', minutes });

beforeAll(async () => {
  db = await createTestDatabase('routing_settings');
  prefix = testPrefix();
  routing = await startService(RoutingEnv, (env) => RoutingModule.register(env), {
    databaseUrl: db.url,
    prefix,
  });
});

afterAll(async () => {
  await routing?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

it('an SLA policy PUT through the RPC applies to tickets opened afterwards, not to earlier ones', async () => {
  const before = await openTicket({});
  expect(before.slaPolicy).toBe('r1-default');
  expect(before.due.plan).toBe('2026-11-20T11:50:00.000Z'); // calendar time: 19:50 the same evening

  const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'sla' });
  expect(current).toMatchObject({ key: 'sla', version: 1, etag: '"sla.v1"' });
  const sla = current.value as { policies: object[] };
  const officeHours = {
    id: 'wechat-office-hours',
    match: { channels: ['wechat'], levels: ['L1'] },
    calendar: 'default',
    targets: {
      L1: {
        firstResponse: business(10),
        plan: business(120),
        progressEvery: business(24 * 60),
        resolution: { clock: 'business', workingDays: 5 },
      },
    },
  };
  const saved = await routing.rpc.request(RoutingSettingsRpc.put, {
    caller: admin,
    key: 'sla',
    ifMatch: current.etag,
    value: { ...sla, policies: [officeHours, ...sla.policies] },
  });
  expect(saved).toMatchObject({ version: 2, etag: '"sla.v2"', updatedBy: admin.userId });

  const after = await openTicket({});
  expect(after.slaPolicy).toBe('wechat-office-hours');
  expect(after.due).toEqual({
    firstResponse: '2026-11-20T10:00:00.000Z', // Friday 18:00, the end of the window
    plan: '2026-11-23T02:50:00.000Z', // Monday 10:50
    progress: '2026-11-26T02:20:00.000Z', // 24 h of office time: 10 min + 3 × 7.5 h + 1 h 20 min, Thursday
    resolution: '2026-11-27T10:00:00.000Z', // Friday 2026-11-27 18:00
  });
  // The earlier ticket keeps what it was promised.
  const again = await routing.rpc.request(RoutingRpc.getTicket, { caller: agent, ticketNo: before.ticketNo });
  expect(again.due).toEqual(before.due);

  const [revision] = await db.query<{ changed_by: string }>(
    `SELECT changed_by FROM routing.setting_revisions WHERE key = 'sla' AND version = 2`,
  );
  expect(revision.changed_by).toBe(admin.userId);
  const events = await db.query<{ data: unknown }>(
    `SELECT envelope->'data' AS data FROM routing.outbox WHERE envelope->>'type' = 'settings.changed.v1'`,
  );
  expect(events.map((e) => e.data)).toEqual([
    { service: 'routing', key: 'sla', version: 2, changedBy: admin.userId, changedAt: expect.any(String) },
  ]);
});

it('refuses a missing or stale If-Match, a non-admin and a broken reference, changing nothing', async () => {
  const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'calendar' });
  const value = current.value as { calendars: { id: string }[] };
  const put = (caller: Caller, ifMatch: string | undefined, document: object) =>
    routing.rpc.request(RoutingSettingsRpc.put, {
      caller,
      key: 'calendar',
      ...(ifMatch ? { ifMatch } : {}),
      value: document as Record<string, unknown>,
    });
  await expect(put(admin, undefined, value)).rejects.toMatchObject({ code: 'PRECONDITION_REQUIRED' });
  await expect(put(admin, '"calendar.v0"', value)).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  await expect(put(agent, current.etag, value)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(
    routing.rpc.request(RoutingSettingsRpc.get, { caller: agent, key: 'calendar' }),
  ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  // Renaming the only calendar would leave every SLA policy without one.
  const renamed = { calendars: [{ ...value.calendars[0], id: 'cn' }] };
  await expect(put(admin, current.etag, renamed)).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    fields: expect.arrayContaining([
      { field: 'calendars', message: expect.stringContaining('calendar default is used by SLA policy') },
    ]),
  });
  const unchanged = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'calendar' });
  expect(unchanged).toEqual(current);

  // A second calendar is fine, and the ETag moves on.
  const withStore = { calendars: [...value.calendars, { ...value.calendars[0], id: 'store-7' }] };
  const saved = await put(admin, `"x", ${current.etag}`, withStore);
  expect(saved.etag).toBe('"calendar.v2"');
  await expect(
    routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'nothing' }),
  ).rejects.toMatchObject({ code: 'NOT_FOUND' });
});

it('warns while a calendar lacks next year’s holidays, and stops once an admin adds them', async () => {
  const check = routing.app.get(CalendarCoverageScheduler);
  // 2026-12-01: the seed covers 2024-2026; the 2027 notice has not been entered.
  const december = new Date('2026-12-01T02:00:00Z');
  const gaps = await check.run(december);
  expect(gaps).toContainEqual({ calendar: 'default', years: [2027] });
  // Within the look-ahead only: in mid-September the coming year is still far.
  await expect(check.run(new Date('2026-09-15T02:00:00Z'))).resolves.toEqual([]);

  const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'calendar' });
  const value = current.value as { calendars: { id: string; holidays: string[] }[] };
  const withNewYear = {
    calendars: value.calendars.map((c) => ({ ...c, holidays: [...c.holidays, '2027-01-01'] })),
  };
  await routing.rpc.request(RoutingSettingsRpc.put, {
    caller: admin,
    key: 'calendar',
    ifMatch: current.etag,
    value: withNewYear,
  });
  await expect(check.run(december)).resolves.toEqual([]);
});
