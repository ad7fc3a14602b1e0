/**
 * The customer registry against real Postgres and JetStream: contacts normalised and matched (I5), create and
 * update with If-Match, consents and ID numbers (X1), store scoping, every change audited (X2), duplicates
 * detected and merged with customer.merged.v1, nothing half-written on a refused change.
 */
import { randomUUID } from 'node:crypto';
import {
  CustomerRpc,
  CustomerWriteRpc,
  IntakeRpc,
  type Caller,
  type CreateCustomerDto,
  type CustomerView,
  type Role,
} from '@closeloop/contracts';
import {
  createTestDatabase,
  deleteTestStream,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { IntakeModule } from '../intake.module';
import { IntakeEnv } from '../intake.env';

jest.setTimeout(90_000);

let db: TestDatabase;
let prefix: string;
let intake: InProcessService;

const caller = (role: Role, stores: string[] = []): Caller => ({
  userId: randomUUID(),
  roles: [role],
  departments: [],
  stores,
});
const agent = caller('agent');
const supervisor = caller('supervisor');

let seq = 0;
function phone(): string {
  seq += 1;
  return `1390${String(Date.now() % 10_000).padStart(4, '0')}${String(seq).padStart(3, '0')}`;
}

async function create(input: CreateCustomerDto, who = agent, idempotencyKey?: string): Promise<CustomerView> {
  const reply = await intake.rpc.request(CustomerWriteRpc.create, {
    caller: who,
    customer: input,
    idempotencyKey,
  });
  return reply.customer;
}

async function audit(customerId: string) {
  return db.query<{ action: string; fields: string[] }>(
    'SELECT action, fields FROM intake.audit_log WHERE customer_id = $1 ORDER BY at, action',
    [customerId],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('registry');
  prefix = testPrefix();
  intake = await startService(IntakeEnv, (env) => IntakeModule.register(env), {
    databaseUrl: db.url,
    prefix,
    env: { JOB_POLL_SECONDS: '3600' },
  });
});

afterAll(async () => {
  await intake?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

describe('contact matching (I5)', () => {
  it('takes 13800138000, +86 138 0013 8000 and 138-0013-8000 as one customer', async () => {
    const first = await intake.rpc.request(IntakeRpc.submitFeedback, {
      caller: agent,
      feedback: {
        channel: 'hotline',
        customer: { phone: '13800138000' },
        type: 'consultation',
        description: '咨询',
      },
    });
    for (const format of ['+86 138 0013 8000', '138-0013-8000']) {
      const again = await intake.rpc.request(IntakeRpc.submitFeedback, {
        caller: agent,
        feedback: { channel: 'wechat', customer: { phone: format }, type: 'complaint', description: '投诉' },
      });
      expect(again.customerId).toBe(first.customerId);
      const found = await intake.rpc.request(CustomerRpc.search, { caller: agent, phone: format });
      expect(found.items.map((c) => c.id)).toEqual([first.customerId]);
    }
    // Registering it again names the customer who has it (one customer, one record).
    await expect(create({ name: '李四', phones: ['+86 138 0013 8000'] })).rejects.toMatchObject({
      code: 'CUSTOMER.CONTACT_TAKEN',
      message: expect.stringContaining(first.customerId!),
    });
  });
});

describe('registering a customer', () => {
  it('stores everything encrypted, shows it masked with consents, and audits the creation', async () => {
    const mobile = phone();
    const created = await create({
      kind: 'company',
      name: '上海某某贸易有限公司',
      phones: [mobile, '021-6888 8888'],
      emails: ['Buyer@Example.COM'],
      externalIds: [{ source: 'crm', externalId: 'C-1001' }],
      idNumber: '11010519491231002X',
      storeId: 'sh-01',
      accountManagerId: supervisor.userId,
      consents: [
        { purpose: 'callbacks', granted: true, channel: 'phone', givenAt: '2026-11-01T02:00:00.000Z' },
        { purpose: 'marketing', granted: false, channel: 'web_form' },
      ],
    });
    expect(created).toMatchObject({
      kind: 'company',
      name: '上*********',
      idNumber: '110***********002X',
      storeId: 'sh-01',
      accountManagerId: supervisor.userId,
      externalIds: [{ source: 'crm', externalId: 'C-1001' }],
      segment: 'new',
      unmasked: false,
      version: 1,
    });
    expect(created.contacts.map((c) => `${c.kind} ${c.value}`).sort()).toEqual(
      [
        'email b***@example.com',
        'phone 216***8888',
        `phone ${mobile.slice(0, 3)}****${mobile.slice(-4)}`,
      ].sort(),
    );
    expect(created.consents).toEqual([
      { purpose: 'callbacks', granted: true, channel: 'phone', givenAt: '2026-11-01T02:00:00.000Z' },
      { purpose: 'marketing', granted: false, channel: 'web_form', givenAt: expect.any(String) },
    ]);
    const raw = JSON.stringify(await db.query('SELECT * FROM intake.customers WHERE id = $1', [created.id]));
    for (const secret of ['上海某某', '11010519491231002X', mobile]) expect(raw).not.toContain(secret);
    expect(await audit(created.id)).toEqual([
      {
        action: 'customer.created',
        fields: expect.arrayContaining([
          'kind',
          'name',
          'phone',
          'email',
          'externalIds',
          'idNumber',
          'storeId',
        ]),
      },
    ]);
    const clear = await intake.rpc.request(CustomerRpc.get, {
      caller: supervisor,
      id: created.id,
      unmask: true,
      reason: 'verify the company',
    });
    expect(clear.idNumber).toBe('11010519491231002X');
    expect(clear.contacts.map((c) => c.value).sort()).toEqual(
      ['+862168888888', `+86${mobile}`, 'buyer@example.com'].sort(),
    );
  });

  it('refuses a wrong ID number and an invalid phone with field errors, storing nothing', async () => {
    await expect(create({ name: '王五', idNumber: '110105194912310021' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'idNumber', message: 'has a wrong check character' }],
    });
    await expect(create({ name: '王五', phones: [phone(), '12345'] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'phones.1', message: 'is not a valid phone number' }],
    });
  });

  it('answers a retry with the same Idempotency-Key with the same customer', async () => {
    const key = `create-${randomUUID()}`;
    const input = { name: '赵六', phones: [phone()] };
    const [a, b] = await Promise.all([
      intake.rpc.request(CustomerWriteRpc.create, { caller: agent, customer: input, idempotencyKey: key }),
      intake.rpc.request(CustomerWriteRpc.create, { caller: agent, customer: input, idempotencyKey: key }),
    ]);
    expect(a.customer.id).toBe(b.customer.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
  });
});

describe('changing a customer (If-Match)', () => {
  it('needs the current ETag, applies contacts and consents, moves the version and audits', async () => {
    const keep = phone();
    const added = phone();
    const customer = await create({ name: '钱七', phones: [keep], emails: ['qian@example.com'] });
    const update = (ifMatch: string | undefined, changes: object) =>
      intake.rpc.request(CustomerWriteRpc.update, {
        caller: agent,
        id: customer.id,
        ...(ifMatch ? { ifMatch } : {}),
        changes,
      });
    await expect(update(undefined, { name: '钱八' })).rejects.toMatchObject({
      code: 'PRECONDITION_REQUIRED',
    });
    await expect(update('"v7"', { name: '钱八' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    const { customer: changed } = await update('"v1"', {
      name: null,
      addPhones: [added],
      removeEmails: ['QIAN@example.com'],
      storeId: 'bj-02',
      consents: [{ purpose: 'partner_sharing', granted: true, channel: 'paper' }],
    });
    expect(changed).toMatchObject({ name: null, storeId: 'bj-02', version: 2 });
    expect(changed.contacts.map((c) => c.kind)).toEqual(['phone', 'phone']);
    expect(changed.consents.map((c) => [c.purpose, c.granted])).toEqual([['partner_sharing', true]]);
    expect((await audit(customer.id)).map((row) => row.action)).toEqual([
      'customer.created',
      'customer.updated',
    ]);
    expect((await audit(customer.id))[1].fields.sort()).toEqual(
      ['consent.partner_sharing', 'email', 'name', 'phone', 'storeId'].sort(),
    );
  });

  it('changes nothing when an added contact belongs to someone else', async () => {
    const taken = phone();
    const other = await create({ phones: [taken] });
    const customer = await create({ name: '孙九', phones: [phone()] });
    await expect(
      intake.rpc.request(CustomerWriteRpc.update, {
        caller: agent,
        id: customer.id,
        ifMatch: '"v1"',
        changes: { name: '孙十', addPhones: [taken] },
      }),
    ).rejects.toMatchObject({ code: 'CUSTOMER.CONTACT_TAKEN', message: expect.stringContaining(other.id) });
    const after = await intake.rpc.request(CustomerRpc.get, { caller: agent, id: customer.id });
    expect(after).toMatchObject({ name: '孙*', version: 1 });
    expect(await audit(customer.id)).toHaveLength(1);
  });
});

describe('store scoping (X1)', () => {
  it('shows a store agent the customers of their stores and those of no store, nothing else', async () => {
    const mine = await create({ name: '甲', storeId: 'store-a' });
    const theirs = await create({ name: '乙', storeId: 'store-b' });
    const central = await create({ name: '丙' });
    const storeAgent = caller('agent', ['store-a']);
    await expect(
      intake.rpc.request(CustomerRpc.get, { caller: storeAgent, id: mine.id }),
    ).resolves.toMatchObject({
      id: mine.id,
    });
    await expect(
      intake.rpc.request(CustomerRpc.get, { caller: storeAgent, id: central.id }),
    ).resolves.toBeDefined();
    await expect(
      intake.rpc.request(CustomerRpc.get, { caller: storeAgent, id: theirs.id }),
    ).rejects.toMatchObject({
      code: 'CUSTOMER.NOT_FOUND',
    });
    const listed = await intake.rpc.request(CustomerRpc.search, { caller: storeAgent, storeId: 'store-b' });
    expect(listed.items).toEqual([]);
    await expect(create({ name: '丁', storeId: 'store-b' }, storeAgent)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // The central call center (no stores) lists by store with cursor pages.
    const page = await intake.rpc.request(CustomerRpc.search, {
      caller: agent,
      storeId: 'store-b',
      limit: 1,
    });
    expect(page.items.map((c) => c.id)).toEqual([theirs.id]);
  });
});

describe('duplicates and merge (I5)', () => {
  it('finds the duplicate, merges it into the survivor once, and the merged id resolves to the survivor', async () => {
    const dupPhone = phone();
    const survivor = await create({ name: '周 一', phones: [phone()], storeId: 'gz-1' });
    const duplicate = await create({
      name: '周一',
      phones: [dupPhone],
      storeId: 'gz-1',
      consents: [{ purpose: 'marketing', granted: true, channel: 'app' }],
    });
    await intake.rpc.request(IntakeRpc.submitFeedback, {
      caller: agent,
      feedback: { channel: 'app', customer: { phone: dupPhone }, type: 'complaint', description: '安装慢' },
    });
    const candidates = await intake.rpc.request(CustomerWriteRpc.duplicates, {
      caller: agent,
      id: survivor.id,
    });
    expect(candidates).toEqual([{ id: duplicate.id, reasons: ['same_name_and_store'] }]);

    const merge = { duplicateId: duplicate.id, reason: 'same person, two registrations' };
    await expect(
      intake.rpc.request(CustomerWriteRpc.merge, { caller: agent, id: survivor.id, merge }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const merged = await intake.rpc.request(CustomerWriteRpc.merge, {
      caller: supervisor,
      id: survivor.id,
      merge,
    });
    expect(merged).toMatchObject({ survivorId: survivor.id, mergedId: duplicate.id });
    const again = await intake.rpc.request(CustomerWriteRpc.merge, {
      caller: supervisor,
      id: survivor.id,
      merge,
    });
    expect(again).toEqual(merged);

    const resolved = await intake.rpc.request(CustomerRpc.get, { caller: agent, id: duplicate.id });
    expect(resolved.id).toBe(survivor.id);
    expect(resolved.contacts).toHaveLength(2);
    expect(resolved.consents.map((c) => c.purpose)).toEqual(['marketing']);
    const feedback = await db.query('SELECT 1 FROM intake.feedback WHERE customer_id = $1', [survivor.id]);
    expect(feedback).toHaveLength(1);
    const next = await intake.rpc.request(IntakeRpc.submitFeedback, {
      caller: agent,
      feedback: { channel: 'app', customer: { phone: dupPhone }, type: 'care', description: '回访' },
    });
    expect(next.customerId).toBe(survivor.id);
    const events = await db.query<{ data: object }>(
      `SELECT envelope->'data' AS data FROM intake.outbox WHERE event_type = 'customer.merged.v1'`,
    );
    expect(events.map((e) => e.data)).toEqual([
      { survivorId: survivor.id, mergedId: duplicate.id, mergedAt: merged.mergedAt },
    ]);
    expect((await audit(duplicate.id)).map((row) => row.action)).toContain('customer.merged');
    await expect(
      intake.rpc.request(CustomerWriteRpc.merge, {
        caller: supervisor,
        id: duplicate.id,
        merge: { duplicateId: survivor.id, reason: 'the other way round' },
      }),
    ).rejects.toMatchObject({ code: 'CUSTOMER.MERGE_INVALID' });
  });
});
