/**
 * Dispatch and assignment in routing against real Postgres and JetStream (R3, C9): the org directory
 * arrives as events (applied once, newest version wins), tickets go to the department their dispatch rule
 * names and to an agent by the department's strategy — round robin, least load within capacity, skills,
 * the customer's previous agent — or wait in the queue until someone comes on shift or has room again.
 * Two routing instances assigning at once never exceed an agent's capacity or hand out a turn twice.
 */
import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '@closeloop/messaging';
import {
  RoutingRpc,
  RoutingSettingsRpc,
  type AssignmentStrategy,
  type Caller,
  type EventType,
  type FeedbackReceivedV1,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
  type OrgSkillChangedV1,
} from '@closeloop/contracts';
import { pollUntil, startService, type InProcessService, type TestDatabase } from '@closeloop/testing';
import { RoutingEnv } from '../routing.env';
import { RoutingModule } from '../routing.module';
import { OrgDirectoryRepository } from '../org/org-directory.repository';
import { OrgDirectoryService } from '../org/org-directory.service';
import { OrgDepartmentEntity } from '../org/entities/org-department.entity';
import { AssignmentService } from './assignment.service';
import { QueueSweepScheduler } from './queue-sweep.scheduler';
import {
  OrgFixtures,
  SEEDED_DEPARTMENTS,
  startRoutingWithOrg,
  type RoutingWithOrg,
} from './testing/org-fixtures';

jest.setTimeout(90_000);

let db: TestDatabase;
let prefix: string;
let routing: InProcessService;
let env: RoutingWithOrg;
const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };

let org: OrgFixtures;
const department = (id: string, overrides?: Partial<OrgDepartmentChangedV1>) => org.department(id, overrides);
const agent = (userId: string, departments: string[], overrides?: Partial<OrgAgentChangedV1>) =>
  org.agent(userId, departments, overrides);
const feedback = (category: string, overrides?: Partial<FeedbackReceivedV1>) =>
  org.feedback(category, overrides);
const envelope = (type: EventType, data: object, id?: string) => org.envelope(type, data, id);
const publish = (...envelopes: { id: string; type: EventType }[]) => org.publish(...envelopes);

const openTickets = (list: FeedbackReceivedV1[]) => org.openTickets(db, list);

interface Row {
  ticket_no: string;
  department: string | null;
  assignee: string | null;
  status: string;
}
async function tickets(ticketNos: string[]): Promise<Row[]> {
  return db.query<Row>(
    `SELECT ticket_no, department, assignee, status FROM routing.tickets WHERE ticket_no = ANY($1) ORDER BY ticket_no`,
    [ticketNos],
  );
}

function countBy(rows: Row[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.assignee ?? 'queue'] = (counts[row.assignee ?? 'queue'] ?? 0) + 1;
  return counts;
}

type DirectoryEvent = OrgDepartmentChangedV1 | OrgAgentChangedV1 | OrgSkillChangedV1;

/** Publishes directory events as the gateway would and waits until routing has handled them. */
const directory = (...events: DirectoryEvent[]) => org.applyDirectory(db, ...events);

async function routeCategory(
  category: string,
  departmentId: string,
  requiredSkills?: string[],
): Promise<void> {
  const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'dispatch' });
  const value = current.value as { rules: { id: string }[]; fallbackDepartment: string };
  const rule = {
    id: `t-${departmentId}`,
    match: { categories: [category] },
    department: departmentId,
    requiredSkills,
  };
  await routing.rpc.request(RoutingSettingsRpc.put, {
    caller: admin,
    key: 'dispatch',
    ifMatch: current.etag,
    value: { ...value, rules: [rule, ...value.rules.filter((r) => r.id !== rule.id)] },
  });
}

async function team(
  departmentId: string,
  strategy: AssignmentStrategy,
  agents: { capacity?: number; skills?: string[]; availability?: 'on_shift' | 'away' }[],
  options: Partial<OrgDepartmentChangedV1> = {},
): Promise<string[]> {
  // Ids in ascending order, so turn order is the order given here.
  const ids = agents.map((_, i) => `${String(i).padStart(8, '0')}${randomUUID().slice(8)}`);
  await directory(
    department(departmentId, { assignmentStrategy: strategy, ...options }),
    ...agents.map((a, i) =>
      agent(ids[i], [departmentId], {
        capacity: a.capacity ?? 5,
        skillIds: a.skills ?? [],
        availability: a.availability ?? 'on_shift',
      }),
    ),
  );
  return ids;
}

beforeAll(async () => {
  env = await startRoutingWithOrg('routing_assign');
  ({ db, prefix, org, routing } = env);
  // The seeded dispatch rules name the seeded departments (the gateway announces them).
  await directory(...SEEDED_DEPARTMENTS.map((id) => department(id)));
});

afterAll(async () => {
  await env?.close();
});

describe('the org read model', () => {
  it('applies each directory event once and never lets an older version overwrite a newer one', async () => {
    const v1 = department('ops', { supervisorIds: [randomUUID()] });
    const v2 = department('ops', { parentId: 'customer-service' });
    const first = envelope('org.department-changed.v1', v2);
    await publish(first, first); // the same event stored twice (past the stream's duplicate window)
    await publish(envelope('org.department-changed.v1', v1)); // late and older
    await pollUntil(
      () =>
        db.query(`SELECT 1 FROM routing.inbox WHERE consumer LIKE 'routing-org-%' AND event_id = ANY($1)`, [
          [first.id],
        ]),
      (rows) => rows.length === 1,
    );
    await pollUntil(
      () =>
        db.query<{ n: string }>(
          `SELECT count(*) AS n FROM routing.inbox WHERE consumer = 'routing-org-departments'`,
        ),
      ([row]) => Number(row.n) === 6, // 4 seeds + v2 + the late v1 (the second copy of v2 is a duplicate)
    );
    const [row] = await db.query(
      `SELECT parent_id, supervisor_ids, version FROM routing.org_departments WHERE id = 'ops'`,
    );
    expect(row).toEqual({ parent_id: 'customer-service', supervisor_ids: [], version: 2 });
  });

  it('never lets an older first version overwrite a newer one written after its locked read found nothing', async () => {
    const repository = routing.app.get(OrgDirectoryRepository);
    const state = (version: number, parentId: string | null): OrgDepartmentEntity =>
      Object.assign(new OrgDepartmentEntity(), {
        id: 'race-first',
        parentId,
        supervisorIds: [],
        calendarId: null,
        assignmentStrategy: 'round_robin',
        preferPreviousAgent: false,
        active: true,
        version,
      });
    const older = routing.dataSource.createQueryRunner();
    await older.connect();
    await older.startTransaction();
    try {
      // The older event's transaction does its locked read (nothing there yet) and is held right after it ...
      let readDone!: () => void;
      const read = new Promise<void>((resolve) => (readDone = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const real = older.manager.getRepository(OrgDepartmentEntity);
      const held = Object.create(real) as typeof real;
      held.findOne = async (options) => {
        const found = await real.findOne(options);
        readDone();
        await gate;
        return found;
      };
      const manager = Object.create(older.manager) as typeof older.manager;
      manager.getRepository = (() => held) as typeof manager.getRepository;
      const writing = repository.upsertNewer(
        manager,
        OrgDepartmentEntity,
        { id: 'race-first' },
        state(1, null),
      );
      await read;
      // ... while a newer version commits ...
      await routing.dataSource.transaction((tx) =>
        repository.upsertNewer(tx, OrgDepartmentEntity, { id: 'race-first' }, state(2, 'finance')),
      );
      release();
      // ... and then it writes: it fails (its event is retried and compares versions) instead of overwriting.
      await expect(writing).rejects.toThrow();
    } finally {
      await older.rollbackTransaction().catch(() => undefined);
      await older.release();
    }
    const [row] = await db.query(
      `SELECT parent_id, version FROM routing.org_departments WHERE id = 'race-first'`,
    );
    expect(row).toEqual({ parent_id: 'finance', version: 2 });
  });

  it('answers supervisorsOf and parentOf for escalation (R7), leaving out deactivated supervisors', async () => {
    const [kept, gone] = [randomUUID(), randomUUID()];
    await directory(
      department('escalation', { supervisorIds: [gone, kept], parentId: 'customer-service' }),
      agent(kept, [], { roles: ['supervisor'] }),
      agent(gone, [], { roles: ['supervisor'], active: false }),
    );
    const directoryService = routing.app.get(OrgDirectoryService);
    const manager = routing.dataSource.manager;
    expect(await directoryService.supervisorsOf(manager, 'escalation')).toEqual([kept]);
    expect(await directoryService.parentOf(manager, 'escalation')).toBe('customer-service');
    expect(await directoryService.parentOf(manager, 'customer-service')).toBeNull();
    expect(await directoryService.supervisorsOf(manager, 'nowhere')).toEqual([]);
  });
});

describe('dispatch settings', () => {
  it('refuses rules naming departments or skills the directory does not have', async () => {
    const current = await routing.rpc.request(RoutingSettingsRpc.get, { caller: admin, key: 'dispatch' });
    expect(current.etag).toBe('"dispatch.v1"');
    await expect(
      routing.rpc.request(RoutingSettingsRpc.put, {
        caller: admin,
        key: 'dispatch',
        ifMatch: current.etag,
        value: {
          rules: [{ id: 'x', match: {}, department: 'nowhere', requiredSkills: ['juggling'] }],
          fallbackDepartment: 'customer-service',
        },
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [
        { field: 'rules.0.department', message: expect.stringContaining('nowhere') },
        { field: 'rules.0.requiredSkills.0', message: expect.stringContaining('juggling') },
      ],
    });
  });

  it('sends a ticket to the seeded department and waits in its queue while nobody is on shift', async () => {
    const price = feedback('experience.price');
    await openTickets([price]);
    const view = await routing.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo: price.ticketNo });
    expect(view).toMatchObject({ department: 'finance', assignee: null, status: 'classified' });
    expect(view.history.map((h) => [h.action, h.data])).toEqual([
      ['opened', expect.any(Object)],
      ['queued', { department: 'finance', assignee: null, by: 'dispatch', rule: 'billing' }],
    ]);
    // Born in its department and queued: never updated after its insert, waiting since it was opened.
    const [stored] = await db.query<{ version: number; waiting: boolean }>(
      `SELECT t.version, d.queued_since BETWEEN t.created_at AND now() AS waiting
         FROM routing.tickets t JOIN routing.ticket_dispatch d ON d.ticket_id = t.id WHERE t.ticket_no = $1`,
      [price.ticketNo],
    );
    expect(stored).toEqual({ version: 1, waiting: true });
    const [event] = await db.query<{ data: object }>(
      `SELECT envelope->'data' AS data FROM routing.outbox WHERE event_type = 'ticket.assigned.v1'
         AND envelope->'data'->>'ticketNo' = $1`,
      [price.ticketNo],
    );
    expect(event.data).toEqual({
      ticketId: expect.any(String),
      ticketNo: price.ticketNo,
      department: 'finance',
      assigneeId: null,
      assignedAt: expect.any(String),
      by: 'dispatch',
    });
  });
});

describe('assignment strategies', () => {
  it('round robin spreads tickets evenly, one turn each in turn', async () => {
    const [a, b, c] = await team('rr', 'round_robin', [{}, {}, {}]);
    await routeCategory('product.defect', 'rr');
    const list = Array.from({ length: 9 }, () => feedback('product.defect'));
    await openTickets(list);
    const rows = await tickets(list.map((f) => f.ticketNo));
    expect(countBy(rows)).toEqual({ [a]: 3, [b]: 3, [c]: 3 });
    expect(rows.every((r) => r.status === 'assigned' && r.department === 'rr')).toBe(true);
    // In the order the turns were taken: a, b, c, a, b, c, ...
    const order = await db.query<{ assignee: string }>(
      `SELECT h.data->>'assignee' AS assignee FROM routing.ticket_history h
         JOIN routing.tickets t ON t.id = h.ticket_id
        WHERE t.department = 'rr' AND h.action = 'assigned' ORDER BY h.id`,
    );
    expect(order.map((o) => o.assignee)).toEqual([a, b, c, a, b, c, a, b, c]);
  });

  it('least load fills by share of capacity and never beyond it; the rest waits in the queue', async () => {
    const [small, large] = await team('ll', 'least_load', [{ capacity: 2 }, { capacity: 4 }]);
    await routeCategory('product.performance', 'll');
    const list = Array.from({ length: 8 }, () => feedback('product.performance'));
    await openTickets(list);
    expect(countBy(await tickets(list.map((f) => f.ticketNo)))).toEqual({ [small]: 2, [large]: 4, queue: 2 });
  });

  it('skills: only an agent with the required skill gets it, the specialist before the generalist', async () => {
    const [novice, generalist, specialist] = await team('sk', 'skills', [
      { skills: [] },
      { skills: ['network', 'billing', 'hardware'], capacity: 5 },
      { skills: ['network'], capacity: 1 },
    ]);
    await directory(org.skill('network'));
    await routeCategory('experience.interface', 'sk', ['network']);
    const list = Array.from({ length: 3 }, () => feedback('experience.interface'));
    await openTickets(list);
    const rows = await tickets(list.map((f) => f.ticketNo));
    expect(countBy(rows)).toEqual({ [specialist]: 1, [generalist]: 2 });
    expect(rows.some((r) => r.assignee === novice)).toBe(false);
  });

  it("C9: the customer's previous agent gets their next ticket while on shift with room, else the turn decides", async () => {
    const [first, second] = await team('c9', 'round_robin', [{}, {}], { preferPreviousAgent: true });
    await routeCategory('service.attitude', 'c9');
    const customerId = randomUUID();
    const one = feedback('service.attitude', { customerId });
    await openTickets([one]);
    expect((await tickets([one.ticketNo]))[0].assignee).toBe(first);
    const two = feedback('service.attitude', { customerId });
    await openTickets([two]);
    const [assigned] = await tickets([two.ticketNo]);
    expect(assigned.assignee).toBe(first); // round robin alone would have said `second`
    const [history] = await db.query<{ data: { via: string } }>(
      `SELECT h.data FROM routing.ticket_history h JOIN routing.tickets t ON t.id = h.ticket_id
        WHERE t.ticket_no = $1 AND h.action = 'assigned'`,
      [two.ticketNo],
    );
    expect(history.data.via).toBe('previous_agent');

    await directory(agent(first, ['c9'], { availability: 'away' }));
    const three = feedback('service.attitude', { customerId });
    await openTickets([three]);
    expect((await tickets([three.ticketNo]))[0].assignee).toBe(second);
  });

  it('tickets published together for a staffed and an unstaffed department: assigned there, queued here', async () => {
    // Who is on shift is read once per transaction for all departments: a consumer batch mixing the two
    // must still tell them apart.
    const [agentId] = await team('mix', 'round_robin', [{ capacity: 10 }]);
    await routeCategory('product.feature_request', 'mix');
    const list = Array.from({ length: 6 }, (_, i) =>
      feedback(i % 2 === 0 ? 'product.feature_request' : 'experience.price'),
    );
    await openTickets(list);
    const byNo = new Map((await tickets(list.map((f) => f.ticketNo))).map((row) => [row.ticket_no, row]));
    list.forEach((f, i) => {
      expect(byNo.get(f.ticketNo)).toMatchObject(
        i % 2 === 0
          ? { department: 'mix', assignee: agentId, status: 'assigned' }
          : { department: 'finance', assignee: null },
      );
    });
  });
});

describe('the queue', () => {
  it('hands queued tickets to an agent who comes on shift, most urgent first, up to capacity', async () => {
    const [agentId] = await team('q', 'round_robin', [{ availability: 'away', capacity: 2 }]);
    await routeCategory('general.inquiry', 'q');
    const now = Date.now();
    const late = feedback('general.inquiry', {
      level: 'L3',
      receivedAt: new Date(now - 60_000).toISOString(),
    });
    const urgent = feedback('general.inquiry', { level: 'L1', receivedAt: new Date(now).toISOString() });
    const middle = feedback('general.inquiry', { level: 'L2', receivedAt: new Date(now).toISOString() });
    await openTickets([late, urgent, middle]);
    const nos = [late, urgent, middle].map((f) => f.ticketNo);
    expect(countBy(await tickets(nos))).toEqual({ queue: 3 });

    await directory(agent(agentId, ['q'], { availability: 'on_shift', capacity: 2 }));
    const rows = await pollUntil(
      () => tickets(nos),
      (r) => r.filter((t) => t.assignee === agentId).length === 2,
      { what: 'queue drained' },
    );
    // L1 (10 min) and L2 (30 min) are due before L3 (2 h): the L3 one keeps waiting.
    expect(rows.find((r) => r.ticket_no === late.ticketNo)?.assignee).toBeNull();

    // The lifecycle resolves one of them: the agent has room, and the waiting one comes to them.
    const uow = routing.app.get(UnitOfWork);
    const assignment = routing.app.get(AssignmentService);
    await routing.dataSource.query(`UPDATE routing.tickets SET status = 'resolved' WHERE ticket_no = $1`, [
      urgent.ticketNo,
    ]);
    await uow.run((tx) => assignment.onLoadChanged(tx, agentId));
    expect((await tickets([late.ticketNo]))[0]).toMatchObject({ assignee: agentId, status: 'assigned' });
  });

  it('takes tickets back from an agent who is deactivated and gives them to the others', async () => {
    const [leaving, staying] = await team('dq', 'round_robin', [{ capacity: 5 }, { capacity: 5 }]);
    await routeCategory('general.care', 'dq');
    const list = Array.from({ length: 4 }, () => feedback('general.care'));
    await openTickets(list);
    const before = await tickets(list.map((f) => f.ticketNo));
    expect(countBy(before)).toEqual({ [leaving]: 2, [staying]: 2 });
    const moved = before.find((row) => row.assignee === leaving)!.ticket_no;
    await directory(agent(leaving, ['dq'], { active: false }));
    await pollUntil(
      () => tickets(list.map((f) => f.ticketNo)),
      (rows) => countBy(rows)[staying] === 4,
      { what: 'tickets moved to the remaining agent' },
    );
    const actions = await db.query<{ action: string; data: { reason?: string } }>(
      `SELECT h.action, h.data FROM routing.ticket_history h JOIN routing.tickets t ON t.id = h.ticket_id
        WHERE t.ticket_no = $1 ORDER BY h.id`,
      [moved],
    );
    expect(actions.map((a) => a.action)).toEqual(['opened', 'assigned', 'queued', 'assigned']);
    expect(actions[2].data.reason).toBe('agent_left');
  });

  it('the sweep hands out what no event did (an agent put on shift behind routing’s back)', async () => {
    const [agentId] = await team('sw', 'round_robin', [{ availability: 'away' }]);
    await routeCategory('experience.convenience', 'sw');
    const one = feedback('experience.convenience');
    await openTickets([one]);
    await routing.dataSource.query(
      `UPDATE routing.org_agents SET availability = 'on_shift' WHERE user_id = $1`,
      [agentId],
    );
    expect((await tickets([one.ticketNo]))[0].assignee).toBeNull();
    expect(await routing.app.get(QueueSweepScheduler).sweep()).toBeGreaterThanOrEqual(1);
    expect((await tickets([one.ticketNo]))[0].assignee).toBe(agentId);

    // Housekeeping: a settled ticket's dispatch row goes (loads and queues stay cheap to read).
    await routing.dataSource.query(`UPDATE routing.tickets SET status = 'closed' WHERE ticket_no = $1`, [
      one.ticketNo,
    ]);
    await routing.app.get(QueueSweepScheduler).sweep();
    expect(
      await db.query(`SELECT 1 FROM routing.ticket_dispatch WHERE ticket_no = $1`, [one.ticketNo]),
    ).toEqual([]);
  });
});

describe('two routing instances at once', () => {
  let second: InProcessService;

  beforeAll(async () => {
    // Before the second instance starts: each instance caches settings for a few seconds, and only the
    // one that stored a change forgets its copy at once (an admin's change applies everywhere within that).
    await directory(department('race'));
    await routeCategory('service.process_efficiency', 'race');
    second = await startService(RoutingEnv, (env) => RoutingModule.register(env), {
      databaseUrl: db.url,
      prefix,
      env: { DISPATCH_SWEEP_SECONDS: '0' },
    });
  });

  afterAll(async () => {
    await second?.close();
  });

  it('never exceeds capacity and never gives a turn twice', async () => {
    const agents = await team('race', 'round_robin', [{ capacity: 3 }, { capacity: 3 }, { capacity: 3 }]);
    const list = Array.from({ length: 30 }, () => feedback('service.process_efficiency'));
    await openTickets(list);
    const counts = countBy(await tickets(list.map((f) => f.ticketNo)));
    expect(counts).toEqual({ [agents[0]]: 3, [agents[1]]: 3, [agents[2]]: 3, queue: 21 });
    const handledBy = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM routing.ticket_history h JOIN routing.tickets t ON t.id = h.ticket_id
        WHERE t.department = 'race' AND h.action IN ('assigned', 'queued')`,
    );
    expect(Number(handledBy[0].n)).toBe(30);

    // Capacity comes back on both instances at once: still never beyond it.
    await directory(...agents.map((id) => agent(id, ['race'], { capacity: 5 })));
    const after = await pollUntil(
      () => tickets(list.map((f) => f.ticketNo)),
      (rows) => countBy(rows).queue === 15,
      { what: 'six more handed out' },
    );
    expect(countBy(after)).toEqual({ [agents[0]]: 5, [agents[1]]: 5, [agents[2]]: 5, queue: 15 });
  });
});
