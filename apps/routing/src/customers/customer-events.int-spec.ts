/**
 * routing follows intake's merges (I5): a customer.merged.v1 re-points the duplicate's tickets to the
 * survivor once, however often the event is delivered; real Postgres and JetStream.
 */
import { randomUUID } from 'node:crypto';
import { RoutingRpc, type Caller } from '@closeloop/contracts';
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
// An admin reads every ticket: the test is about merges and erasure, not about who may read (see ticket access tests).
const admin: Caller = { userId: randomUUID(), roles: ['admin'], departments: [], stores: [] };

beforeAll(async () => {
  scope = await createTestScope('routing_customers');
  ({ db, prefix } = scope);
  routing = await startRouting(scope);
});

afterAll(() => scope?.close());

it('re-points the merged customer’s tickets to the survivor once, with a history row', async () => {
  const mergedId = randomUUID();
  const survivorId = randomUUID();
  const ticketNos = ['202611200101', '202611200102'];
  for (const ticketNo of ticketNos) {
    await publishTestEvent(prefix, 'feedback.received.v1', {
      feedbackId: randomUUID(),
      ticketNo,
      customerId: mergedId,
      channel: 'hotline',
      type: 'complaint',
      category: 'product.defect',
      level: 'L2',
      receivedAt: new Date().toISOString(),
    });
  }
  for (const ticketNo of ticketNos) {
    await pollUntil(
      () => routing.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo }),
      (t) => t.customerId === mergedId,
      { what: `ticket ${ticketNo}` },
    );
  }
  const eventId = randomUUID();
  await publishTestEvent(
    prefix,
    'customer.merged.v1',
    { survivorId, mergedId, mergedAt: new Date().toISOString() },
    { id: eventId, times: 2 },
  );
  await pollUntil(
    () => db.query(`SELECT 1 FROM routing.inbox WHERE event_id = $1`, [eventId]),
    (rows) => rows.length === 1,
    { what: 'merge handled' },
  );
  for (const ticketNo of ticketNos) {
    const ticket = await pollUntil(
      () => routing.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo }),
      (t) => t.customerId === survivorId,
      { what: `ticket ${ticketNo} re-pointed` },
    );
    expect(ticket.history.filter((h) => h.action === 'customer-merged')).toEqual([
      expect.objectContaining({ data: { from: mergedId, to: survivorId } }),
    ]);
  }
});

it('redacts the free text staff wrote on an erased customer’s tickets, and nothing else', async () => {
  const customerId = randomUUID();
  const ticketNo = '202611200201';
  await publishTestEvent(prefix, 'feedback.received.v1', {
    feedbackId: randomUUID(),
    ticketNo,
    customerId,
    channel: 'wechat',
    type: 'after_sales',
    category: 'service.after_sales',
    level: 'L3',
    receivedAt: new Date().toISOString(),
  });
  const ticket = await pollUntil(
    () => routing.rpc.request(RoutingRpc.getTicket, { caller: admin, ticketNo }),
    () => true,
    { what: `ticket ${ticketNo}` },
  );
  const [{ id }] = await db.query<{ id: string }>(`SELECT id FROM routing.tickets WHERE ticket_no = $1`, [
    ticketNo,
  ]);
  // As the lifecycle writes it: a plan and a note naming the customer.
  await db.query(`UPDATE routing.tickets SET plan_what = '上门给王小明换热水器' WHERE id = $1`, [id]);
  await db.query(
    `INSERT INTO routing.ticket_history (ticket_id, at, actor, action, data)
     VALUES ($1, now(), NULL, 'progressed', '{"note": "王小明说周五在家", "met": true}')`,
    [id],
  );
  await publishTestEvent(prefix, 'customer.erased.v1', { customerId, erasedAt: new Date().toISOString() });
  const [row] = await pollUntil(
    () => db.query<{ plan_what: string }>(`SELECT plan_what FROM routing.tickets WHERE id = $1`, [id]),
    (rows) => rows[0].plan_what !== '上门给王小明换热水器',
    { what: 'plan redacted' },
  );
  expect(row.plan_what).toBe('[erased on request]');
  const history = await db.query<{ action: string; data: object }>(
    `SELECT action, data FROM routing.ticket_history WHERE ticket_id = $1 ORDER BY id`,
    [id],
  );
  expect(history.find((h) => h.action === 'progressed')?.data).toEqual({
    note: '[erased on request]',
    met: true,
  });
  expect(JSON.stringify(history)).not.toContain('王小明');
  expect(ticket.customerId).toBe(customerId); // the id stays: it carries no personal data
});
