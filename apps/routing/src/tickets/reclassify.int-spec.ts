/**
 * I4 through routing's RPC against real Postgres and JetStream: an agent corrects intake's classification
 * against the version they read; a new level re-promises the open due times (R1, R2) and a new category
 * sends the ticket where the dispatch rules now say (R3), in one transaction with history and events.
 */
import { randomUUID } from 'node:crypto';
import {
  RoutingRpc,
  ticketEtag,
  type Caller,
  type Channel,
  type OrgAgentChangedV1,
  type OrgDepartmentChangedV1,
  type ReclassifyTicketDto,
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
const [deskAgent, qualityAgent] = [randomUUID(), randomUUID()];
const deskCaller: Caller = { userId: deskAgent, roles: ['agent'], departments: ['desk'], stores: [] };
const qualityCaller: Caller = {
  userId: qualityAgent,
  roles: ['agent'],
  departments: ['quality'],
  stores: [],
};
const MINUTE = 60_000;

const directory = (...events: (OrgDepartmentChangedV1 | OrgAgentChangedV1)[]) =>
  org.applyDirectory(db, ...events);

const open = (receivedAt: Date, channel: Channel = 'hotline') =>
  org.openTicket(db, org.feedback('general.inquiry', { receivedAt: receivedAt.toISOString(), channel }));

const get = (caller: Caller, ticketNo: string) =>
  routing.rpc.request(RoutingRpc.getTicket, { caller, ticketNo });
const reclassify = (caller: Caller, ticketNo: string, ifMatch: string, input: Partial<ReclassifyTicketDto>) =>
  routing.rpc.request(RoutingRpc.reclassify, {
    caller,
    ticketNo,
    ifMatch,
    input: { reason: '客户说的是质量问题', ...input },
  });

async function events(ticketNo: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  return db.query(
    `SELECT event_type AS type, envelope->'data' AS data FROM routing.outbox
      WHERE envelope->'data'->>'ticketNo' = $1 ORDER BY seq`,
    [ticketNo],
  );
}

beforeAll(async () => {
  env = await startRoutingWithOrg('routing_reclassify', '20261203');
  ({ db, org, routing } = env);
  await directory(
    ...SEEDED_DEPARTMENTS.map((id) => org.department(id)),
    org.department('desk'),
    org.department('quality'),
    org.agent(deskAgent, ['desk'], { capacity: 5 }),
    org.agent(qualityAgent, ['quality'], { capacity: 5 }),
  );
  await putDispatchRules(
    routing,
    [{ id: 'defects-to-quality', match: { categories: ['product.*'] }, department: 'quality' }],
    'desk',
  );
});

afterAll(async () => {
  await env?.close();
});

describe('reclassify (I4)', () => {
  it('a new level moves the open due times; a new category moves the ticket to the department its rule names', async () => {
    const receivedAt = new Date(Date.now() - 2 * MINUTE);
    const ticketNo = await open(receivedAt);
    const before = await get(admin, ticketNo);
    // R1 seeded: L2 is answered within 30 minutes of receipt (calendar time).
    expect(before).toMatchObject({ level: 'L2', department: 'desk', assignee: deskAgent, version: 1 });
    expect(new Date(before.due.firstResponse).getTime()).toBe(receivedAt.getTime() + 30 * MINUTE);

    // A stale version changes nothing.
    await expect(reclassify(deskCaller, ticketNo, '"v0"', { level: 'L1' })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await expect(reclassify(deskCaller, ticketNo, ticketEtag(1), { level: 'L2' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await get(admin, ticketNo)).toMatchObject({ level: 'L2', version: 1 });

    // The answer shows where the change took the ticket; afterwards the desk agent no longer sees it
    // (404 as for any other department's ticket).
    const after = await reclassify(deskCaller, ticketNo, ticketEtag(1), {
      level: 'L1',
      category: 'product.defect',
    });
    expect(after).toMatchObject({ department: 'quality', assignee: qualityAgent, version: 3 });
    await expect(get(deskCaller, ticketNo)).rejects.toMatchObject({ code: 'TICKET.NOT_FOUND' });
    const moved = await get(qualityCaller, ticketNo);
    expect(moved).toMatchObject({
      level: 'L1',
      category: 'product.defect',
      type: 'complaint',
      department: 'quality',
      assignee: qualityAgent,
      status: 'assigned',
    });
    // R1 seeded: L1 is answered within 10 minutes, counted from receipt, not from the correction.
    expect(new Date(moved.due.firstResponse).getTime()).toBe(receivedAt.getTime() + 10 * MINUTE);
    expect(new Date(moved.due.plan).getTime()).toBe(receivedAt.getTime() + 120 * MINUTE);
    expect(moved.history.slice(-2)).toEqual([
      expect.objectContaining({
        action: 'reclassified',
        actor: deskAgent,
        data: expect.objectContaining({
          previous: { type: 'complaint', category: 'general.inquiry', level: 'L2' },
          level: 'L1',
          category: 'product.defect',
          reason: '客户说的是质量问题',
        }),
      }),
      expect.objectContaining({
        action: 'assigned',
        data: expect.objectContaining({
          department: 'quality',
          assignee: qualityAgent,
          by: 'dispatch',
          rule: 'defects-to-quality',
          from: { department: 'desk', assignee: deskAgent },
        }),
      }),
    ]);
    const published = await events(ticketNo);
    expect(published.map((e) => e.type)).toEqual([
      'ticket.opened.v1',
      'ticket.assigned.v1',
      'ticket.reclassified.v1',
      'ticket.assigned.v1',
    ]);
    expect(published[2].data).toMatchObject({
      level: 'L1',
      previous: { level: 'L2', category: 'general.inquiry' },
      due: { firstResponse: moved.due.firstResponse },
    });
    expect(JSON.stringify(published[2].data)).not.toContain('质量'); // the reason stays in the history (X1)
    expect(published[3].data).toMatchObject({ previousDepartment: 'desk', previousAssigneeId: deskAgent });
  });

  it('a new level alone keeps the department and agent; a settled ticket cannot be reclassified', async () => {
    // The longest channel name is kept with the ticket (R1 may choose by channel).
    const ticketNo = await open(new Date(), 'store_comment_book');
    const view = await reclassify(deskCaller, ticketNo, ticketEtag(1), { level: 'L3' });
    expect(view).toMatchObject({ level: 'L3', department: 'desk', assignee: deskAgent, version: 2 });
    expect((await events(ticketNo)).map((e) => e.type)).toEqual([
      'ticket.opened.v1',
      'ticket.assigned.v1',
      'ticket.reclassified.v1',
    ]);
    const closed = await routing.rpc.request(RoutingRpc.close, {
      caller: deskCaller,
      ticketNo,
      ifMatch: ticketEtag(2),
      input: { reasonCode: 'duplicate', reason: 'same as an earlier ticket' },
    });
    await expect(
      reclassify(deskCaller, ticketNo, ticketEtag(closed.version), { level: 'L1' }),
    ).rejects.toMatchObject({ code: 'TICKET.INVALID_TRANSITION' });
  });
});
