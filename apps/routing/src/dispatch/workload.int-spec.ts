/**
 * The workload view through routing's RPC against real Postgres and JetStream (R3, C9): a supervisor sees
 * their department's queue and each agent's load, capacity and breached tickets; nobody else's.
 */
import { randomUUID } from 'node:crypto';
import { RoutingAssignmentRpc, type Caller, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import {
  OrgFixtures,
  putDispatchRules,
  staffCaller,
  SEEDED_DEPARTMENTS,
  startRoutingWithOrg,
  type RoutingWithOrg,
} from './testing/org-fixtures';

jest.setTimeout(60_000);

let db: TestDatabase;
let org: OrgFixtures;
let routing: InProcessService;
let env: RoutingWithOrg;

const [onShift, away] = [randomUUID(), randomUUID()];
const admin = staffCaller(['admin']);

const open = (overrides: Partial<FeedbackReceivedV1> = {}) =>
  org.openTicket(db, org.feedback('general.inquiry', overrides));

const workload = (caller: Caller, department?: string) =>
  routing.rpc.request(RoutingAssignmentRpc.workload, { caller, ...(department ? { department } : {}) });

beforeAll(async () => {
  env = await startRoutingWithOrg('routing_workload', '20261204');
  ({ db, org, routing } = env);
  await org.applyDirectory(
    db,
    ...SEEDED_DEPARTMENTS.map((id) => org.department(id)),
    org.department('floor'),
    org.agent(onShift, ['floor'], { capacity: 2 }),
    org.agent(away, ['floor'], { capacity: 1, availability: 'away' }),
  );
  await putDispatchRules(routing, [{ id: 'all-to-floor', match: {}, department: 'floor' }], 'floor');
});

afterAll(async () => {
  await env?.close();
});

it('shows a supervisor the queue and each agent’s load, capacity and breached tickets', async () => {
  // An L1 received an hour ago: its 10-minute first response is past (R1 seeded), and it is assigned first.
  await open({ level: 'L1', receivedAt: new Date(Date.now() - 3_600_000).toISOString() });
  for (let i = 0; i < 3; i++) await open();

  const supervisor = staffCaller(['supervisor'], ['floor']);
  const view = await workload(supervisor);
  expect(view.departments).toHaveLength(1);
  const [floor] = view.departments;
  expect(floor).toMatchObject({ department: 'floor', queued: 2, onShift: 1, freeCapacity: 0 });
  expect(new Date(floor.oldestQueuedSince!).getTime()).toBeLessThanOrEqual(Date.now());
  expect(floor.mostUrgentDue).toEqual(expect.any(String));
  expect(floor.agents).toEqual(
    expect.arrayContaining([
      { userId: onShift, availability: 'on_shift', capacity: 2, load: 2, breached: 1 },
      { userId: away, availability: 'away', capacity: 1, load: 0, breached: 0 },
    ]),
  );

  // Admins and analysts see every active department; agents and other departments' supervisors nothing.
  const all = await workload(admin);
  expect(all.departments.map((d) => d.department)).toEqual(
    expect.arrayContaining(['floor', 'finance', 'after-sales']),
  );
  expect((await workload(staffCaller(['analyst']), 'floor')).departments[0].queued).toBe(2);
  await expect(workload(staffCaller(['agent'], ['floor']))).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(workload(staffCaller(['supervisor'], ['finance']), 'floor')).rejects.toMatchObject({
    code: 'FORBIDDEN',
  });
});
