/**
 * The ticket lifecycle through routing's RPC against real Postgres and JetStream (R4-R9): every change
 * needs the current version (If-Match), is authorized against the caller's departments, lands in the
 * history with its SLA outcome and its event (outbox), and the list shows each caller only what they may see.
 */
import { randomUUID } from 'node:crypto';
import {
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

jest.setTimeout(60_000);

let scope: TestScope;
let db: TestDatabase;
let prefix: string;
let routing: InProcessService;

const staff = (roles: Caller['roles'], departments: string[] = []): Caller => ({
  userId: randomUUID(),
  roles,
  departments,
  stores: [],
});
const agentA = staff(['agent'], ['after-sales']);
const agentB = staff(['agent'], ['billing']);
const supervisorA = staff(['supervisor'], ['after-sales']);
const analyst = staff(['analyst']);
const admin = staff(['admin']);

let sequence = 0;
/** `department`: put the ticket there; null: leave it undispatched (as tickets opened before dispatch). */
async function openTicket(
  overrides: Partial<FeedbackReceivedV1> = {},
  department?: string | null,
): Promise<string> {
  sequence += 1;
  const data: FeedbackReceivedV1 = {
    feedbackId: randomUUID(),
    ticketNo: `20261201${String(sequence).padStart(4, '0')}${String(Math.floor(Math.random() * 1e4)).padStart(4, '0')}`,
    customerId: randomUUID(),
    channel: 'hotline',
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
  await publishTestEvent(prefix, 'feedback.received.v1', data);
  await pollUntil(
    () => db.query('SELECT 1 FROM routing.tickets WHERE ticket_no = $1', [data.ticketNo]),
    (rows) => rows.length === 1,
    { what: `ticket ${data.ticketNo}` },
  );
  // Dispatch belongs to another part of routing; here the test puts the ticket in a department itself.
  if (department !== undefined) {
    await db.query('UPDATE routing.tickets SET department = $2 WHERE ticket_no = $1', [
      data.ticketNo,
      department,
    ]);
  }
  return data.ticketNo;
}

const get = (caller: Caller, ticketNo: string) =>
  routing.rpc.request(RoutingRpc.getTicket, { caller, ticketNo });

async function outboxTypes(ticketNo: string): Promise<string[]> {
  const rows = await db.query<{ type: string }>(
    `SELECT envelope->>'type' AS type FROM routing.outbox WHERE envelope->'data'->>'ticketNo' = $1 ORDER BY seq`,
    [ticketNo],
  );
  return rows.map((row) => row.type);
}

beforeAll(async () => {
  scope = await createTestScope('routing_lifecycle');
  ({ db, prefix } = scope);
  routing = await startRouting(scope);
});

afterAll(() => scope?.close());

describe('a ticket through its lifecycle', () => {
  it('respond -> plan -> progress -> pause/resume -> resolve -> objection -> resolve -> confirm -> archive', async () => {
    const ticketNo = await openTicket({}, 'after-sales');
    let view: TicketView = await get(agentA, ticketNo);
    expect(view).toMatchObject({ status: 'classified', version: 1, slaState: 'on_track', round: 0 });
    const step = async <T extends object>(
      definition: RpcDefinition<TicketCommand<T>, TicketView>,
      input: T,
      caller: Caller = agentA,
    ): Promise<TicketView> => {
      const next = await routing.rpc.request(definition, {
        caller,
        ticketNo,
        ifMatch: ticketEtag(view.version),
        input,
      });
      expect(next.version).toBe(view.version + 1);
      view = next;
      return next;
    };

    await step(RoutingRpc.respond, { note: '已致电客户，确认门锁故障' });
    expect(view).toMatchObject({ status: 'in_progress', respondedAt: expect.any(String) });
    const dueBy = new Date(Date.now() + 2 * 86_400_000).toISOString();
    await step(RoutingRpc.plan, { what: '明天上门更换门锁', dueBy });
    expect(view.plan).toMatchObject({ what: '明天上门更换门锁', ownerId: agentA.userId, dueBy });
    expect(view.due.resolution).toBe(dueBy); // R4: 001's policy sets none; the plan says by when
    await step(RoutingRpc.progress, { note: '配件已发出' });
    const progressDue = view.due.progress!;
    expect(new Date(progressDue).getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    await step(RoutingRpc.pause, { reason: '等待客户确认上门时间' });
    expect(view).toMatchObject({ slaState: 'paused', pausedSince: expect.any(String), nextDue: null });
    await step(RoutingRpc.resume, { note: '客户已回电' });
    expect(view.pausedSince).toBeNull();
    expect(new Date(view.due.progress!).getTime()).toBeGreaterThanOrEqual(new Date(progressDue).getTime());

    await step(RoutingRpc.resolve, { summary: '已上门更换门锁，测试正常' });
    expect(view).toMatchObject({ status: 'resolved', autoCloseAt: expect.any(String), slaState: 'on_track' });
    const link = await routing.rpc.request(RoutingRpc.confirmationLink, { caller: agentA, ticketNo });
    expect(link).toMatchObject({
      ticketNo,
      expiresAt: view.autoCloseAt,
      nonce: expect.stringMatching(/^[\w-]{22}$/),
    });

    // The customer objects through the link: reopened, the link is spent.
    const objected = await routing.rpc.request(RoutingRpc.customerAnswer, {
      ticketNo,
      nonce: link.nonce,
      answer: 'object',
      comment: '还是关不上',
    });
    expect(objected).toMatchObject({ state: 'used', status: 'reopened' });
    await expect(
      routing.rpc.request(RoutingRpc.customerAnswer, { ticketNo, nonce: link.nonce, answer: 'confirm' }),
    ).rejects.toMatchObject({ code: 'TICKET.LINK_USED' });
    view = await get(agentA, ticketNo);
    expect(view).toMatchObject({ status: 'reopened', round: 1, plan: expect.any(Object) });
    expect(view.due.resolution).toBeUndefined(); // a new plan will say by when

    await step(RoutingRpc.plan, { what: '更换整扇门', dueBy });
    await step(RoutingRpc.resolve, { summary: '已更换整扇门' });
    const second = await routing.rpc.request(RoutingRpc.confirmationLink, { caller: agentA, ticketNo });
    expect(second.nonce).not.toBe(link.nonce);
    const page = await routing.rpc.request(RoutingRpc.customerLink, { ticketNo, nonce: second.nonce });
    expect(page).toMatchObject({ state: 'open', summary: '已更换整扇门', category: 'product.defect' });
    await routing.rpc.request(RoutingRpc.customerAnswer, {
      ticketNo,
      nonce: second.nonce,
      answer: 'confirm',
    });
    view = await get(agentA, ticketNo);
    expect(view).toMatchObject({ status: 'confirmed', confirmedAt: expect.any(String) });

    // Agents may not archive; supervisors of the department may.
    await expect(step(RoutingRpc.archive, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await step(RoutingRpc.archive, {}, supervisorA);
    expect(view.status).toBe('archived');

    expect(view.history.map((h) => h.action)).toEqual([
      'opened',
      'queued', // R3 dispatch: nobody on shift in the department
      'responded',
      'planned',
      'progressed',
      'paused',
      'resumed',
      'resolved',
      'objected',
      'planned',
      'resolved',
      'confirmed',
      'archived',
    ]);
    expect(view.history.find((h) => h.action === 'objected')).toMatchObject({
      actor: null,
      data: expect.objectContaining({ via: 'link', reason: '还是关不上' }),
    });
    expect(view.outcomes.map((o) => `${o.metric}#${o.seq}:${o.met}`)).toEqual(
      expect.arrayContaining(['firstResponse#0:true', 'plan#0:true', 'plan#1:true', 'progress#0:true']),
    );
    await pollUntil(
      () => outboxTypes(ticketNo),
      (types) => types.includes('ticket.archived.v1'),
    );
    expect(await outboxTypes(ticketNo)).toEqual([
      'ticket.opened.v1',
      'ticket.assigned.v1', // R3 dispatch to the department's queue
      'ticket.responded.v1',
      'ticket.planned.v1',
      'ticket.progressed.v1',
      'ticket.paused.v1',
      'ticket.resumed.v1',
      'ticket.resolved.v1',
      'ticket.objected.v1',
      'ticket.planned.v1',
      'ticket.resolved.v1',
      'ticket.confirmed.v1',
      'ticket.archived.v1',
    ]);
    const [objectedEvent] = await db.query<{ data: Record<string, unknown> }>(
      `SELECT envelope->'data' AS data FROM routing.outbox WHERE envelope->>'type' = 'ticket.objected.v1'
          AND envelope->'data'->>'ticketNo' = $1`,
      [ticketNo],
    );
    expect(objectedEvent.data).toMatchObject({ customerId: view.customerId, objectedAt: expect.any(String) });
    expect(JSON.stringify(objectedEvent.data)).not.toContain('还是关不上'); // free text stays in routing
  });
});

describe('versions and access', () => {
  it('needs If-Match (428), refuses a stale one (412) and changes nothing', async () => {
    const ticketNo = await openTicket({}, 'after-sales');
    const command = { caller: agentA, ticketNo, input: {} };
    await expect(routing.rpc.request(RoutingRpc.respond, command)).rejects.toMatchObject({
      code: 'PRECONDITION_REQUIRED',
    });
    await expect(
      routing.rpc.request(RoutingRpc.respond, { ...command, ifMatch: ticketEtag(0) }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const view = await get(agentA, ticketNo);
    expect(view).toMatchObject({ version: 1, status: 'classified', respondedAt: null });
    expect(view.history.map((h) => h.action)).toEqual(['opened', 'queued']);
  });

  it("answers another department's agent as if the ticket did not exist; analysts read but never change", async () => {
    const ticketNo = await openTicket({}, 'after-sales');
    await expect(get(agentB, ticketNo)).rejects.toMatchObject({ code: 'TICKET.NOT_FOUND' });
    await expect(
      routing.rpc.request(RoutingRpc.respond, {
        caller: agentB,
        ticketNo,
        ifMatch: ticketEtag(1),
        input: {},
      }),
    ).rejects.toMatchObject({ code: 'TICKET.NOT_FOUND' });
    expect(await get(analyst, ticketNo)).toMatchObject({ ticketNo });
    await expect(
      routing.rpc.request(RoutingRpc.respond, {
        caller: analyst,
        ticketNo,
        ifMatch: ticketEtag(1),
        input: {},
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Assigned to agent B personally: now B may see and work it.
    await db.query('UPDATE routing.tickets SET assignee = $2 WHERE ticket_no = $1', [
      ticketNo,
      agentB.userId,
    ]);
    expect(await get(agentB, ticketNo)).toMatchObject({ assignee: agentB.userId });
  });

  it('refuses a change the status does not allow with 409, changing nothing', async () => {
    const ticketNo = await openTicket({}, 'after-sales');
    await expect(
      routing.rpc.request(RoutingRpc.confirm, {
        caller: agentA,
        ticketNo,
        ifMatch: ticketEtag(1),
        input: {},
      }),
    ).rejects.toMatchObject({ code: 'TICKET.INVALID_TRANSITION' });
    await expect(
      routing.rpc.request(RoutingRpc.close, {
        caller: agentA,
        ticketNo,
        ifMatch: ticketEtag(1),
        input: { reasonCode: 'duplicate', reason: 'no' },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' }); // a reason of 5+ characters is required
    expect(await get(agentA, ticketNo)).toMatchObject({ version: 1, status: 'classified' });
  });
});

describe('GET /tickets as a list', () => {
  it('filters, pages with a cursor in a stable order, and shows an agent only their departments and the pool', async () => {
    const customerId = randomUUID();
    const mine = [];
    for (let i = 0; i < 5; i++) {
      mine.push(
        await openTicket(
          {
            customerId,
            level: i % 2 ? 'L1' : 'L3',
            receivedAt: new Date(Date.now() - i * 60_000).toISOString(),
          },
          'after-sales',
        ),
      );
    }
    const theirs = await openTicket({ customerId }, 'billing');
    const pool = await openTicket({ customerId }, null);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await routing.rpc.request(RoutingRpc.listTickets, {
        caller: agentA,
        customerId,
        limit: 2,
        cursor,
      });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((t) => t.ticketNo));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toEqual(new Set([...mine, pool]));
    expect(seen).not.toContain(theirs);

    const all = await routing.rpc.request(RoutingRpc.listTickets, { caller: admin, customerId, limit: 50 });
    expect(all.items).toHaveLength(7);
    const l1 = await routing.rpc.request(RoutingRpc.listTickets, { caller: admin, customerId, level: 'L1' });
    expect(l1.items.map((t) => t.ticketNo).sort()).toEqual([mine[1], mine[3]].sort());
    const billing = await routing.rpc.request(RoutingRpc.listTickets, {
      caller: admin,
      customerId,
      department: 'billing',
    });
    expect(billing.items.map((t) => t.ticketNo)).toEqual([theirs]);

    // Earliest due first: L1 tickets (10 min) lead the worklist.
    const worklist = await routing.rpc.request(RoutingRpc.listTickets, {
      caller: admin,
      customerId,
      sort: 'due',
      limit: 2,
    });
    expect(worklist.items.map((t) => t.level)).toEqual(['L1', 'L1']);
    const rest = await routing.rpc.request(RoutingRpc.listTickets, {
      caller: admin,
      customerId,
      sort: 'due',
      cursor: worklist.nextCursor!,
    });
    expect(rest.items).toHaveLength(5);
    await expect(
      routing.rpc.request(RoutingRpc.listTickets, {
        caller: admin,
        customerId,
        cursor: worklist.nextCursor!,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' }); // a due-order cursor for the received order

    const dueSoon = await routing.rpc.request(RoutingRpc.listTickets, {
      caller: admin,
      customerId,
      slaState: 'due_soon',
    });
    expect(dueSoon.items.map((t) => t.ticketNo).sort()).toEqual([mine[1], mine[3]].sort()); // 10 min left
    const dueBefore = await routing.rpc.request(RoutingRpc.listTickets, {
      caller: admin,
      customerId,
      dueBefore: new Date(Date.now() + 60 * 60_000).toISOString(),
    });
    expect(dueBefore.items.map((t) => t.ticketNo).sort()).toEqual([mine[1], mine[3], theirs, pool].sort());
  });
});
