/**
 * Reassign and collaborating departments through routing's RPC against real Postgres and JetStream (R3):
 * a supervisor moves a ticket to another department and agent against the version they read, never
 * beyond the agent's capacity, and the freed capacity goes to the queue; a ticket pulls in another
 * department with its own task, owner and deadline, retries change nothing, and the collaborating
 * department completes it. History and events go with each step.
 */
import { randomUUID } from 'node:crypto';
import {
  RoutingAssignmentRpc,
  RoutingRpc,
  ticketEtag,
  type Caller,
  type FeedbackReceivedV1,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
} from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import {
  OrgFixtures,
  putDispatchRules,
  staffCaller,
  SEEDED_DEPARTMENTS,
  startRoutingWithOrg,
  type RoutingWithOrg,
} from '../dispatch/testing/org-fixtures';

jest.setTimeout(60_000);

let db: TestDatabase;
let org: OrgFixtures;
let routing: InProcessService;
let env: RoutingWithOrg;

const staff = staffCaller;
const admin = staff(['admin']);
const supervisor = staff(['supervisor'], ['desk']);
const otherSupervisor = staff(['supervisor'], ['billing']);
const [deskAgent, billingAgent, busyAgent] = [randomUUID(), randomUUID(), randomUUID()];

const directory = (...events: (OrgDepartmentChangedV1 | OrgAgentChangedV1)[]) =>
  org.applyDirectory(db, ...events);

const open = (overrides: Partial<FeedbackReceivedV1> = {}) =>
  org.openTicket(db, org.feedback('general.inquiry', overrides));

const ticket = (ticketNo: string) => routing.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo });
const reassign = (caller: Caller, ticketNo: string, ifMatch: string | undefined, input: object) =>
  routing.rpc.request(RoutingAssignmentRpc.reassign, {
    caller,
    ticketNo,
    ...(ifMatch ? { ifMatch } : {}),
    input: { reason: 'customer asked for a refund', ...input } as never,
  });

beforeAll(async () => {
  env = await startRoutingWithOrg('routing_reassign', '20261202');
  ({ db, org, routing } = env);
  await directory(
    ...SEEDED_DEPARTMENTS.map((id) => org.department(id)),
    org.department('desk'),
    org.department('billing'),
    org.agent(deskAgent, ['desk'], { capacity: 5 }),
    org.agent(billingAgent, ['billing'], { capacity: 1, availability: 'away' }),
    org.agent(busyAgent, ['billing'], { capacity: 1, availability: 'away' }),
  );
  await putDispatchRules(routing, [{ id: 'all-to-desk', match: {}, department: 'desk' }], 'desk');
});

afterAll(async () => {
  await env?.close();
});

describe('reassign', () => {
  it('moves a ticket to another department and agent with If-Match; history and event follow', async () => {
    const ticketNo = await open();
    const before = await ticket(ticketNo);
    expect(before).toMatchObject({ department: 'desk', assignee: deskAgent, status: 'assigned', version: 1 });

    await expect(reassign(supervisor, ticketNo, undefined, { department: 'billing' })).rejects.toMatchObject({
      code: 'PRECONDITION_REQUIRED',
    });
    await expect(reassign(supervisor, ticketNo, '"v0"', { department: 'billing' })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await expect(
      reassign(supervisor, ticketNo, ticketEtag(1), { department: 'nowhere' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'department', message: expect.stringContaining('nowhere') }],
    });
    await expect(
      reassign(supervisor, ticketNo, ticketEtag(1), { department: 'billing', assigneeId: deskAgent }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'assigneeId', message: expect.any(String) }],
    });
    // Another department's supervisor does not see it; an agent may not reassign.
    await expect(
      reassign(otherSupervisor, ticketNo, ticketEtag(1), { department: 'billing' }),
    ).rejects.toMatchObject({
      code: 'TICKET.NOT_FOUND',
    });
    await expect(
      reassign(staff(['agent'], ['desk']), ticketNo, ticketEtag(1), { department: 'billing' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });

    // An agent who is away may be chosen by a supervisor (not by the strategy).
    const moved = await reassign(supervisor, ticketNo, ticketEtag(1), {
      department: 'billing',
      assigneeId: billingAgent,
    });
    expect(moved).toEqual({
      ticketNo,
      status: 'assigned',
      department: 'billing',
      assignee: billingAgent,
      version: 2,
    });
    const after = await ticket(ticketNo);
    expect(after).toMatchObject({ department: 'billing', assignee: billingAgent, version: 2 });
    expect(after.history.at(-1)).toMatchObject({
      action: 'assigned',
      actor: supervisor.userId,
      data: {
        department: 'billing',
        assignee: billingAgent,
        by: 'reassign',
        via: 'supervisor',
        reason: 'customer asked for a refund',
        from: { department: 'desk', assignee: deskAgent },
      },
    });
    const [event] = await db.query<{ data: object }>(
      `SELECT envelope->'data' AS data FROM routing.outbox
        WHERE event_type = 'ticket.assigned.v1' AND envelope->'data'->>'ticketNo' = $1 ORDER BY seq DESC LIMIT 1`,
      [ticketNo],
    );
    expect(event.data).toMatchObject({
      department: 'billing',
      assigneeId: billingAgent,
      by: 'reassign',
      previousDepartment: 'desk',
      previousAssigneeId: deskAgent,
      actorId: supervisor.userId,
    });
    expect(JSON.stringify(event.data)).not.toContain('refund'); // the reason stays in the history (X1)
  });

  it('never puts an agent beyond capacity, and hands the freed capacity to the queue', async () => {
    // busyAgent (capacity 1) already holds one ticket.
    const held = await open();
    await reassign(admin, held, ticketEtag(1), { department: 'billing', assigneeId: busyAgent });
    const another = await open();
    await expect(
      reassign(admin, another, ticketEtag(1), { department: 'billing', assigneeId: busyAgent }),
    ).rejects.toMatchObject({ code: 'ASSIGNMENT.AGENT_AT_CAPACITY' });

    // desk fills up (capacity 5 counting the earlier ones), the next waits in desk's queue...
    const desk = [];
    for (let i = 0; i < 5; i++) desk.push(await open());
    const waiting = desk.at(-1)!;
    const rows = await db.query<{ ticket_no: string; assignee: string | null }>(
      `SELECT ticket_no, assignee FROM routing.tickets WHERE department = 'desk' AND status = 'assigned'`,
    );
    expect(rows.filter((r) => r.assignee === deskAgent)).toHaveLength(5);
    expect((await ticket(waiting)).assignee).toBeNull();

    // ...until a supervisor moves one of the agent's tickets away: the waiting one comes to them at once.
    const moving = rows[0].ticket_no;
    const version = (await ticket(moving)).version;
    const moved = await reassign(supervisor, moving, ticketEtag(version), { department: 'finance' });
    expect(moved).toMatchObject({ department: 'finance', assignee: null, status: 'classified' });
    expect(await ticket(waiting)).toMatchObject({ assignee: deskAgent, status: 'assigned' });
  });
});

describe('collaborating departments', () => {
  const request = (caller: Caller, ticketNo: string, input: object, idempotencyKey?: string) =>
    routing.rpc.request(RoutingAssignmentRpc.requestCollaboration, {
      caller,
      ticketNo,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      input: input as never,
    });

  it('pulls in a department with a task, owner and deadline, once however often the request is retried', async () => {
    const ticketNo = await open();
    const dueAt = new Date(Date.now() + 3_600_000).toISOString();
    const input = { department: 'billing', task: '核对退款金额', ownerId: billingAgent, dueAt };
    const first = await request(supervisor, ticketNo, input, 'collab-key-0001');
    expect(first).toMatchObject({
      ticketNo,
      department: 'billing',
      task: '核对退款金额',
      ownerId: billingAgent,
      dueAt,
      status: 'open',
      requestedBy: supervisor.userId,
      onTime: true,
      replayed: false,
    });
    const again = await request(supervisor, ticketNo, input, 'collab-key-0001');
    expect(again).toMatchObject({ id: first.id, replayed: true });
    await expect(
      request(supervisor, ticketNo, { ...input, task: 'other' }, 'collab-key-0001'),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY.KEY_REUSED',
    });
    expect(
      await routing.rpc.request(RoutingAssignmentRpc.listCollaborations, { caller: supervisor, ticketNo }),
    ).toHaveLength(1);

    await expect(
      request(supervisor, ticketNo, {
        department: 'desk',
        task: 'x',
        dueAt: '2020-01-01T00:00:00.000Z',
        ownerId: billingAgent,
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [
        { field: 'department', message: expect.stringContaining('reassign instead') },
        { field: 'ownerId', message: expect.stringContaining('not an active member of desk') },
        { field: 'dueAt', message: 'must be in the future' },
      ],
    });

    // The collaborating department sees its task (not the ticket), and completes it once.
    const billing = { ...staff(['agent'], ['billing']), userId: billingAgent };
    await expect(
      routing.rpc.request(RoutingRpc.getTicket, { caller: billing, ticketNo }),
    ).rejects.toMatchObject({
      code: 'TICKET.NOT_FOUND',
    });
    expect(
      await routing.rpc.request(RoutingAssignmentRpc.listCollaborations, { caller: billing, ticketNo }),
    ).toEqual([expect.objectContaining({ id: first.id })]);
    const complete = (caller: Caller) =>
      routing.rpc.request(RoutingAssignmentRpc.completeCollaboration, {
        caller,
        ticketNo,
        collaborationId: first.id,
        input: { outcome: '已原路退款 ¥120' },
      });
    await expect(complete(staff(['agent'], ['after-sales']))).rejects.toMatchObject({
      code: 'COLLABORATION.NOT_FOUND',
    });
    const done = await complete(billing);
    expect(done).toMatchObject({
      status: 'done',
      completedBy: billingAgent,
      outcome: '已原路退款 ¥120',
      onTime: true,
    });
    await expect(complete(billing)).rejects.toMatchObject({ code: 'COLLABORATION.ALREADY_DONE' });

    const view = await ticket(ticketNo);
    expect(view.history.map((h) => h.action).slice(-2)).toEqual([
      'collaboration_requested',
      'collaboration_completed',
    ]);
    const events = await db.query<{ type: string; data: object }>(
      `SELECT event_type AS type, envelope->'data' AS data FROM routing.outbox
        WHERE event_type LIKE 'ticket.collaboration-%' AND envelope->'data'->>'ticketNo' = $1 ORDER BY seq`,
      [ticketNo],
    );
    expect(events.map((e) => e.type)).toEqual([
      'ticket.collaboration-requested.v1',
      'ticket.collaboration-completed.v1',
    ]);
    expect(events[1].data).toMatchObject({ collaborationId: first.id, department: 'billing', onTime: true });
    expect(JSON.stringify(events)).not.toMatch(/退款/); // task and outcome stay in routing (X1)
  });
});
