/**
 * intake against real Postgres and JetStream, with two replicas sharing the queue group: ticket numbers
 * (I3), customer matching under races (I5), idempotency under races (I6), contacts never stored or
 * published in clear (X1), and entities agreeing with migrations.
 */
import { randomUUID } from 'node:crypto';
import { pendingSchemaChanges } from '@closeloop/persistence';
import {
  IntakeRpc,
  type Caller,
  type SubmitFeedbackDto,
  type SubmitFeedbackReply,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  sampleValue,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from './intake.module';
import { IntakeEnv } from './intake.env';
import { TicketNumberRepository } from './ticket-numbers/ticket-number.repository';
import { ServiceMetrics } from '@closeloop/runtime';

jest.setTimeout(90_000);

let db: TestDatabase;
let prefix: string;
let replicas: InProcessService[];
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };

function feedback(overrides: Partial<SubmitFeedbackDto> = {}): SubmitFeedbackDto {
  return {
    channel: 'hotline',
    customer: { phone: `136${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
    type: 'consultation',
    description: '请问保修期多久',
    ...overrides,
  };
}

function submit(dto: SubmitFeedbackDto, idempotencyKey?: string, replica = 0): Promise<SubmitFeedbackReply> {
  return replicas[replica].rpc.request(IntakeRpc.submitFeedback, {
    caller: agent,
    feedback: dto,
    idempotencyKey,
  });
}

beforeAll(async () => {
  db = await createTestDatabase('intake');
  prefix = testPrefix();
  const start = () =>
    startService(IntakeEnv, (env) => IntakeModule.register(env), { databaseUrl: db.url, prefix });
  replicas = await Promise.all([start(), start()]);
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await db?.drop();
  await deleteTestStream(prefix);
});

it('has entities and migrations in agreement (no pending migration)', async () => {
  expect(await pendingSchemaChanges(replicas[0].dataSource)).toEqual([]);
});

describe('references from contacts and external ids to customers (decision 0016: statement triggers)', () => {
  const customer = async () => {
    const id = randomUUID();
    await db.query(`INSERT INTO intake.customers (id, segment) VALUES ($1, 'new')`, [id]);
    return id;
  };
  const contact = (customerId: string) =>
    `('${randomUUID()}', '${customerId}', 'phone', gen_random_uuid()::text::bytea, 'enc')`;
  const contactsOf = async (customerId: string) =>
    (
      await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM intake.customer_contacts WHERE customer_id = $1',
        [customerId],
      )
    )[0].n;

  it('refuses a statement that names a missing customer, whole, with SQLSTATE 23503', async () => {
    const known = await customer();
    const missing = randomUUID();
    const insert = db.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
       VALUES ${contact(known)}, ${contact(missing)}`,
    );
    await expect(insert).rejects.toMatchObject({ code: '23503' });
    expect(await contactsOf(known)).toBe(0); // the good row of the statement is not written either
    await expect(
      db.query(
        `INSERT INTO intake.customer_external_ids (source, external_id, customer_id) VALUES ('crm', $1, $2)`,
        [randomUUID(), missing],
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('refuses moving a contact to a missing customer and accepts moving it to an existing one', async () => {
    const [from, to] = [await customer(), await customer()];
    await db.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc) VALUES ${contact(from)}`,
    );
    await expect(
      db.query('UPDATE intake.customer_contacts SET customer_id = $2 WHERE customer_id = $1', [
        from,
        randomUUID(),
      ]),
    ).rejects.toMatchObject({ code: '23503' });
    await db.query('UPDATE intake.customer_contacts SET customer_id = $2 WHERE customer_id = $1', [from, to]);
    expect([await contactsOf(from), await contactsOf(to)]).toEqual([0, 1]);
  });

  it("removes a deleted customer's contacts and external ids (as ON DELETE CASCADE did)", async () => {
    const [gone, kept] = [await customer(), await customer()];
    await db.query(
      `INSERT INTO intake.customer_contacts (id, customer_id, kind, value_hash, value_enc)
       VALUES ${contact(gone)}, ${contact(kept)}`,
    );
    await db.query(
      `INSERT INTO intake.customer_external_ids (source, external_id, customer_id) VALUES ('crm', $1, $2)`,
      [randomUUID(), gone],
    );
    await db.query('DELETE FROM intake.customers WHERE id = $1', [gone]);
    const [left] = await db.query<{ contacts: number; external: number }>(
      `SELECT (SELECT count(*)::int FROM intake.customer_contacts WHERE customer_id = $1) AS contacts,
              (SELECT count(*)::int FROM intake.customer_external_ids WHERE customer_id = $1) AS external`,
      [gone],
    );
    expect(left).toEqual({ contacts: 0, external: 0 });
    expect(await contactsOf(kept)).toBe(1);
  });
});

it('gives 300 concurrent submissions on two replicas 300 distinct, gap-free ticket numbers of today', async () => {
  const replies = await Promise.all(
    Array.from({ length: 300 }, (_, i) => submit(feedback(), undefined, i % 2)),
  );
  const numbers = replies.map((r) => r.ticketNo);
  expect(new Set(numbers).size).toBe(300);
  const days = new Set(numbers.map((n) => n.slice(0, 8)));
  expect(days.size).toBe(1);
  // Nothing failed, so nothing was skipped: the sequences are exactly 1..300 of that day.
  const sequences = numbers.map((n) => Number(n.slice(8))).sort((a, b) => a - b);
  expect(sequences[0]).toBeGreaterThanOrEqual(1);
  expect(sequences[sequences.length - 1] - sequences[0]).toBe(299);
  const [row] = await db.query<{ n: string }>('SELECT count(*) AS n FROM intake.feedback');
  expect(Number(row.n)).toBeGreaterThanOrEqual(300);
});

it('restarts the daily sequence on a new business date and pads to 4 digits (I3)', async () => {
  const allocator = replicas[0].app.get(TicketNumberRepository);
  expect(await allocator.next('2030-01-01')).toBe(1);
  expect(await allocator.next('2030-01-01')).toBe(2);
  expect(await allocator.next('2030-01-02')).toBe(1);
});

it('makes 20 racing first contacts from one new phone into one customer (I5)', async () => {
  const phone = '13912345678';
  const replies = await Promise.all(
    Array.from({ length: 20 }, (_, i) => submit(feedback({ customer: { phone } }), undefined, i % 2)),
  );
  expect(new Set(replies.map((r) => r.customerId)).size).toBe(1);
  const customers = await db.query(
    `SELECT DISTINCT customer_id FROM intake.feedback WHERE customer_id = $1`,
    [replies[0].customerId],
  );
  expect(customers).toHaveLength(1);
});

it('gives racing first contacts, some bringing an e-mail too, one customer holding both contacts (I5)', async () => {
  const phone = '13912340000';
  const email = 'racing.first@example.com';
  // Submissions that arrive together share a commit group: the customer created by one of them (still a
  // deferred insert) is joined by the others, and its e-mail is added to it in the same transaction.
  const replies = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      submit(feedback({ customer: i % 3 === 1 ? { phone, email } : { phone } }), undefined, i % 2),
    ),
  );
  expect(new Set(replies.map((r) => r.customerId)).size).toBe(1);
  const byEmail = await submit(feedback({ customer: { email: 'Racing.First@example.com' } }));
  expect(byEmail.customerId).toBe(replies[0].customerId);
  const contacts = await db.query<{ kind: string }>(
    `SELECT kind FROM intake.customer_contacts WHERE customer_id = $1 ORDER BY kind`,
    [replies[0].customerId],
  );
  expect(contacts.map((c) => c.kind)).toEqual(['email', 'phone']);
});

it('adds a new e-mail to the customer known by phone', async () => {
  const phone = '13700001111';
  const first = await submit(feedback({ customer: { phone } }));
  const second = await submit(
    feedback({ customer: { phone: '+86 137 0000 1111', email: 'New.Person@Example.com' } }),
  );
  const third = await submit(feedback({ customer: { email: 'new.person@example.com' } }));
  expect(second.customerId).toBe(first.customerId);
  expect(third.customerId).toBe(first.customerId);
});

it('turns 10 racing requests with one Idempotency-Key into one feedback with one answer (I6)', async () => {
  const key = `race-${randomUUID()}`;
  const dto = feedback();
  const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => submit(dto, key, i % 2)));
  expect(new Set(replies.map((r) => r.ticketNo)).size).toBe(1);
  expect(replies.filter((r) => !r.replayed)).toHaveLength(1);
  const rows = await db.query('SELECT id FROM intake.feedback WHERE idempotency_key = $1', [key]);
  expect(rows).toHaveLength(1);
  const events = await db.query(`SELECT id FROM intake.outbox WHERE envelope->'data'->>'feedbackId' = $1`, [
    replies[0].id,
  ]);
  expect(events).toHaveLength(1);
});

it('never stores or publishes a contact or a name in clear (X1)', async () => {
  const phone = '13566667777';
  const email = 'private.person@example.org';
  const name = '李秘密';
  const reply = await submit(feedback({ customer: { phone, email, name } }));
  const haystack = JSON.stringify([
    await db.query('SELECT * FROM intake.customers WHERE id = $1', [reply.customerId]),
    await db.query('SELECT * FROM intake.customer_contacts WHERE customer_id = $1', [reply.customerId]),
    await db.query(`SELECT envelope FROM intake.outbox WHERE envelope->'data'->>'feedbackId' = $1`, [
      reply.id,
    ]),
  ]);
  for (const secret of [phone, '+8613566667777', email, name]) expect(haystack).not.toContain(secret);
  expect(haystack).toContain(reply.customerId);
});

it('counts its work in Prometheus metrics, with no contact in them (X1)', async () => {
  await submit(feedback({ customer: { phone: '13912345001' } }));
  // Either replica may have answered (one queue group): each counts what it answered.
  const texts = await Promise.all(replicas.map((replica) => replica.app.get(ServiceMetrics).text()));
  const text = texts[0];
  const intake = { service: 'intake' };
  const answered = texts.map(
    (t) =>
      sampleValue(t, 'closeloop_rpc_duration_seconds_count', {
        ...intake,
        method: 'feedback.submit',
        outcome: 'ok',
      }) ?? 0,
  );
  expect(answered[0] + answered[1]).toBeGreaterThan(0);
  expect(sampleValue(text, 'closeloop_outbox_pending', intake)).toBeGreaterThanOrEqual(0);
  expect(sampleValue(text, 'closeloop_outbox_oldest_pending_seconds', intake)).toBeGreaterThanOrEqual(0);
  expect(
    sampleValue(text, 'closeloop_consumer_pending_events', { ...intake, consumer: 'intake-ticket-opened' }),
  ).toBeGreaterThanOrEqual(0);
  expect(
    sampleValue(text, 'closeloop_dead_letters_waiting', { ...intake, consumer: 'intake-ticket-opened' }),
  ).toBe(0);
  expect(sampleValue(text, 'closeloop_process_cpu_seconds_total', intake)).toBeGreaterThan(0);
  for (const t of texts) expect(t).not.toContain('13912345001'); // nor as +8613912345001
});
