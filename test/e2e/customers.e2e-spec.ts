/**
 * The customer record through the running platform (intake and gateway as processes, real Postgres and
 * JetStream): contacts encrypted at rest, masked by role, unmasked only with a reason and audited, found by
 * exact match through the keyed hash, and erased on request with customer.erased.v1. Rules I5, X1, X2.
 */
import { randomUUID } from 'node:crypto';
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  startPlatform,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(120_000);

const NAME = '王小明';
const PHONE = '13800138000';
const EMAIL = 'zhang.wei@example.com';
const EXTERNAL_ID = `crm-${randomUUID()}`;
const SECRETS = [NAME, PHONE, '+8613800138000', EMAIL];

let platform: RunningPlatform;
let admin: Api;
let supervisor: Api;
let agent: Api;
let analyst: Api;
let partner: PartnerConsumer;
let customerId: string;

/** The user id in a bearer token (its `sub`). */
function userIdOf(api: Api): string {
  const payload = api.token!.split('.')[1];
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
}

async function user(role: string): Promise<Api> {
  const email = `${role}@customers.e2e.test`;
  const created = await admin.post('/api/v1/users', {
    email,
    displayName: role,
    password: `${role}-password-1`,
    roles: [role],
  });
  expect(created.status).toBe(201);
  return new Api(platform.gatewayUrl).login(email, `${role}-password-1`);
}

async function auditOf(
  id: string,
): Promise<{ action: string; actor: string; fields: string[]; reason: string }[]> {
  const response = await admin.get(`/api/v1/audit?customerId=${id}`);
  expect(response.status).toBe(200);
  return response.body.items;
}

/** Every row of every table in intake's schema, as text. */
async function intakeSchemaText(): Promise<string> {
  const tables = await platform.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'intake' AND table_type = 'BASE TABLE'`,
  );
  const dumps: unknown[] = [];
  for (const { table_name } of tables) {
    dumps.push(await platform.db.query(`SELECT row_to_json(t)::text AS row FROM intake."${table_name}" t`));
  }
  return JSON.stringify(dumps);
}

beforeAll(async () => {
  platform = await startPlatform('customers', { services: ['intake', 'gateway'] });
  admin = await new Api(platform.gatewayUrl).login(ADMIN.email, ADMIN.password);
  [supervisor, agent, analyst] = await Promise.all([user('supervisor'), user('agent'), user('analyst')]);
  partner = await PartnerConsumer.start(platform.prefix, 'partner-customers', 'customer.erased.v1');
  const created = await agent.post('/api/v1/feedback', {
    channel: 'hotline',
    customer: { name: NAME, phone: PHONE, email: EMAIL, externalId: EXTERNAL_ID },
    type: 'complaint',
    description: '洗衣机坏了',
  });
  expect(created.status).toBe(201);
  customerId = created.body.customerId;
});

afterAll(async () => {
  await partner?.stop();
  await platform?.stop();
});

describe('X1: stored encrypted, shown masked', () => {
  it('holds no plaintext phone, e-mail or name in the customer tables', async () => {
    const rows = JSON.stringify([
      await platform.db.query('SELECT * FROM intake.customers'),
      await platform.db.query('SELECT * FROM intake.customer_contacts'),
      await platform.db.query('SELECT * FROM intake.customer_external_ids'),
    ]);
    expect(rows).toContain(customerId);
    for (const secret of SECRETS) expect(rows).not.toContain(secret);
  });

  it('shows an agent and an analyst masked name and contacts', async () => {
    for (const api of [agent, analyst]) {
      const response = await api.get(`/api/v1/customers/${customerId}`);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: customerId,
        kind: 'person',
        name: '王**',
        unmasked: false,
        externalIds: [{ source: 'default', externalId: EXTERNAL_ID }],
      });
      expect(response.body.contacts).toEqual([
        { kind: 'phone', value: '138****8000' },
        { kind: 'email', value: 'z***@example.com' },
      ]);
    }
  });

  it('refuses an agent asking to unmask with 403, and records no unmasked read', async () => {
    const response = await agent.get(
      `/api/v1/customers/${customerId}?unmask=true&reason=${encodeURIComponent('customer asked')}`,
    );
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
    expect(JSON.stringify(response.body)).not.toContain(PHONE.slice(3, 7));
    expect((await auditOf(customerId)).filter((row) => row.action === 'customer.unmasked-read')).toEqual([]);
  });

  it('asks for a reason with 400 and a field error', async () => {
    const missing = await supervisor.get(`/api/v1/customers/${customerId}?unmask=true`);
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
    const short = await supervisor.get(`/api/v1/customers/${customerId}?unmask=true&reason=abc`);
    expect(short.status).toBe(400);
  });

  it('shows a supervisor with a reason the clear values, and the audit log has the read', async () => {
    const reason = '回访核实客户身份';
    const response = await supervisor.get(
      `/api/v1/customers/${customerId}?unmask=true&reason=${encodeURIComponent(reason)}`,
      { 'x-correlation-id': 'e2e-unmask-read' },
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: NAME, unmasked: true });
    expect(response.body.contacts).toEqual([
      { kind: 'phone', value: '+8613800138000' },
      { kind: 'email', value: EMAIL },
    ]);
    const audit = await admin.get(`/api/v1/audit?customerId=${customerId}`);
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: 'customer.unmasked-read',
        actor: userIdOf(supervisor),
        customerId,
        fields: ['name', 'phone', 'email', 'externalIds'],
        reason,
        correlationId: 'e2e-unmask-read',
      }),
    ]);
  });

  it('keeps the audit log for admins', async () => {
    expect((await supervisor.get('/api/v1/audit')).status).toBe(403);
    expect((await agent.get('/api/v1/audit')).status).toBe(403);
    expect((await admin.get('/api/v1/audit?limit=0')).status).toBe(400);
    expect((await admin.get('/api/v1/audit?cursor=not-a-cursor')).status).toBe(400);
  });

  it('pages the audit log newest first with an opaque cursor', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await admin.get(`/api/v1/customers/${customerId}?unmask=true&reason=page-check-${i}`);
      expect(r.status).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { reason: string }[]; nextCursor: string | null } } =
        await admin.get(
          `/api/v1/audit?customerId=${customerId}&actor=${userIdOf(admin)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.reason));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page-check-2', 'page-check-1', 'page-check-0']);
  });
});

describe('search (exact match through the keyed hash)', () => {
  it('finds the customer by any format of the phone, by e-mail and by external id, masked', async () => {
    for (const query of [
      `phone=${encodeURIComponent('+86 138 0013 8000')}`,
      `phone=${encodeURIComponent('138-0013-8000')}`,
      `email=${encodeURIComponent('Zhang.Wei@Example.com')}`,
      `externalId=${encodeURIComponent(EXTERNAL_ID)}`,
    ]) {
      const response = await agent.get(`/api/v1/customers?${query}`);
      expect(response.status).toBe(200);
      expect(response.body.items.map((c: { id: string }) => c.id)).toEqual([customerId]);
      expect(response.body.items[0].contacts[0].value).toBe('138****8000');
      expect(response.body.nextCursor).toBeNull();
    }
  });

  it('answers an unknown phone with an empty list, and bad searches with 400', async () => {
    const none = await agent.get('/api/v1/customers?phone=13900000001');
    expect(none.body).toEqual({ items: [], nextCursor: null });
    expect((await agent.get('/api/v1/customers')).status).toBe(400);
    expect((await agent.get('/api/v1/customers?phone=12345')).status).toBe(400);
    expect((await agent.get(`/api/v1/customers?phone=13800138000&email=${EMAIL}`)).status).toBe(400);
  });
});

describe('erasure on request', () => {
  it('is refused to an agent and needs a reason', async () => {
    expect(
      (await agent.request('DELETE', `/api/v1/customers/${customerId}?reason=asked-by-phone`)).status,
    ).toBe(403);
    const noReason = await supervisor.request('DELETE', `/api/v1/customers/${customerId}`);
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.map((e: { field: string }) => e.field)).toContain('reason');
  });

  it('removes contacts and name from every intake table, emits customer.erased.v1, and is audited', async () => {
    const ciphertexts = [
      ...(await platform.db.query<{ v: string }>(
        'SELECT value_enc AS v FROM intake.customer_contacts WHERE customer_id = $1',
        [customerId],
      )),
      ...(await platform.db.query<{ v: string }>('SELECT name_enc AS v FROM intake.customers WHERE id = $1', [
        customerId,
      ])),
    ].map((row) => row.v);
    const hashes = (
      await platform.db.query<{ h: string }>(
        "SELECT encode(value_hash, 'hex') AS h FROM intake.customer_contacts WHERE customer_id = $1",
        [customerId],
      )
    ).map((row) => row.h);
    expect(ciphertexts).toHaveLength(3);
    expect(hashes).toHaveLength(2);

    const reason = '客户要求删除个人信息';
    const response = await supervisor.request(
      'DELETE',
      `/api/v1/customers/${customerId}?reason=${encodeURIComponent(reason)}`,
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: customerId, erasedAt: expect.any(String) });

    const everything = await intakeSchemaText();
    for (const value of [...ciphertexts, ...hashes, EXTERNAL_ID, ...SECRETS]) {
      expect(everything).not.toContain(value);
    }
    // The id stays as a tombstone: the feedback keeps pointing at it.
    const feedback = await platform.db.query('SELECT id FROM intake.feedback WHERE customer_id = $1', [
      customerId,
    ]);
    expect(feedback).toHaveLength(1);

    const event = await pollUntil(
      async () => partner.events.find((e) => e.data.customerId === customerId),
      (e) => e !== undefined,
      { what: 'customer.erased.v1 on the stream' },
    );
    expect(event!.type).toBe('customer.erased.v1');
    expect(event!.data).toEqual({ customerId, erasedAt: response.body.erasedAt });

    const erasure = (await auditOf(customerId)).filter((row) => row.action === 'customer.erased');
    expect(erasure).toEqual([
      expect.objectContaining({
        actor: userIdOf(supervisor),
        fields: ['name', 'phone', 'email', 'externalIds', 'feedbackText'],
        reason,
      }),
    ]);
  });

  it('answers a second DELETE and a read of the erased customer with 410, and search finds nothing', async () => {
    const again = await supervisor.request('DELETE', `/api/v1/customers/${customerId}?reason=second-try`);
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('CUSTOMER.ERASED');
    expect((await agent.get(`/api/v1/customers/${customerId}`)).status).toBe(410);
    expect((await agent.get(`/api/v1/customers/${randomUUID()}`)).status).toBe(404);
    const search = await agent.get(`/api/v1/customers?phone=${PHONE}`);
    expect(search.body.items).toEqual([]);
    expect(partner.events.filter((e) => e.data.customerId === customerId)).toHaveLength(1);
  });

  it('never printed a contact or a name in any service log', () => {
    const logs = platform.logs.map((l) => l.line).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of SECRETS) expect(logs).not.toContain(secret);
  });
});
