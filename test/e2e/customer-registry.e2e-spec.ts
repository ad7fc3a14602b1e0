/**
 * The customer registry through the running platform (gateway, intake and routing as processes, real
 * Postgres and JetStream): registration and change with ETag/If-Match, orders moving a customer from new to
 * high value with one event, an import of 1,000 rows with 3 bad ones (twice), an import from the CLI, a merge,
 * and an erasure after
 * which no service's schema holds the customer's contacts or name, and no log ever printed them.
 * Rules I5, G1, X1, X2.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  requireEnv,
  startPlatform,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(180_000);

const NAME = '欧阳青青';
const PHONE = '13912345678';
const EMAIL = 'ouyang.qingqing@example.org';
const SECRETS = [NAME, PHONE, '+8613912345678', EMAIL, '139-1234-5678'];

let platform: RunningPlatform;
let admin: Api;
let supervisor: Api;
let agent: Api;
let segments: PartnerConsumer;

async function user(role: string): Promise<Api> {
  const email = `${role}@registry.e2e.test`;
  const created = await admin.post('/api/v1/users', {
    email,
    displayName: role,
    password: `${role}-password-1`,
    roles: [role],
  });
  expect(created.status).toBe(201);
  return new Api(platform.gatewayUrl).login(email, `${role}-password-1`);
}

async function upload(api: Api, path: string, body: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${platform.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'text/csv' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  platform = await startPlatform('registry', { env: { IMPORT_POLL_SECONDS: '1', JOB_POLL_SECONDS: '3600' } });
  admin = await new Api(platform.gatewayUrl).login(ADMIN.email, ADMIN.password);
  [supervisor, agent] = await Promise.all([user('supervisor'), user('agent')]);
  segments = await PartnerConsumer.start(platform.prefix, 'partner-segments', 'customer.segment-changed.v1');
});

afterAll(async () => {
  await segments?.stop();
  await platform?.stop();
});

let customerId: string;

describe('registering and changing a customer', () => {
  it('registers with contacts in any format, answers masked with an ETag, and refuses a second record', async () => {
    const created = await agent.post('/api/v1/customers', {
      name: NAME,
      phones: ['+86 139 1234 5678'],
      emails: [EMAIL.toUpperCase()],
      consents: [{ purpose: 'callbacks', granted: true, channel: 'phone' }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(created.body).toMatchObject({ name: '欧***', segment: 'new', unmasked: false });
    expect(created.body.contacts).toEqual([
      { kind: 'phone', value: '139****5678' },
      { kind: 'email', value: 'o***@example.org' },
    ]);
    customerId = created.body.id;
    const again = await agent.post('/api/v1/customers', { name: '别人', phones: ['139-1234-5678'] });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({
      code: 'CUSTOMER.CONTACT_TAKEN',
      type: 'urn:closeloop:problem:customer.contact-taken',
    });
    expect(again.body.detail).toContain(customerId);
    // A feedback from the same number joins the same customer (I5).
    const feedback = await agent.post('/api/v1/feedback', {
      channel: 'hotline',
      customer: { phone: PHONE },
      type: 'complaint',
      description: `${NAME}说热水器漏水`,
    });
    expect(feedback.body.customerId).toBe(customerId);
  });

  it('changes with If-Match only: 428 without, 412 stale, 200 with the new ETag', async () => {
    const path = `/api/v1/customers/${customerId}`;
    expect((await agent.request('PATCH', path, { storeId: 'store-9' })).status).toBe(428);
    expect((await agent.request('PATCH', path, { storeId: 'store-9' }, { 'if-match': '"v0"' })).status).toBe(
      412,
    );
    const current = await agent.get(path);
    const changed = await agent.request(
      'PATCH',
      path,
      { storeId: 'store-9', idNumber: '11010519491231002X' },
      {
        'if-match': current.headers.get('etag')!,
      },
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe(`"v${current.body.version + 1}"`);
    expect(changed.body).toMatchObject({ storeId: 'store-9', idNumber: '110***********002X' });
    const bad = await agent.request(
      'PATCH',
      path,
      { idNumber: '110105194912310021' },
      {
        'if-match': changed.headers.get('etag')!,
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: 'idNumber', message: 'has a wrong check character' }]);
  });
});

describe('orders and segments (G1)', () => {
  it('moves the customer from new to high value when an order puts them in the top 20 %, one event', async () => {
    const settings = await admin.get('/api/v1/settings/segments');
    expect(settings.headers.get('etag')).toBe('"segments.v1"');
    const put = await admin.request(
      'PUT',
      '/api/v1/settings/segments',
      { ...settings.body, spendRankMaxAgeSeconds: 0 },
      {
        'if-match': settings.headers.get('etag')!,
      },
    );
    expect(put.status).toBe(200);
    const order = (id: string, amountFen: number) =>
      agent.post('/api/v1/orders', {
        customerId: id,
        externalOrderId: `so-${randomUUID()}`,
        amountFen,
        orderedAt: new Date().toISOString(),
      });
    for (let i = 1; i <= 9; i++) {
      const other = await agent.post('/api/v1/customers', {
        phones: [`1391111${String(i).padStart(4, '0')}`],
      });
      expect((await order(other.body.id, i * 10_000)).status).toBe(201);
    }
    expect((await order(customerId, 20_000)).status).toBe(201);
    expect((await agent.get(`/api/v1/customers/${customerId}`)).body.segment).toBe('new');
    const big = await order(customerId, 100_000);
    expect(big.status).toBe(201);
    const replay = await agent.post('/api/v1/orders', {
      customerId,
      externalOrderId: big.body.externalOrderId,
      amountFen: 100_000,
      orderedAt: big.body.orderedAt,
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const view = await agent.get(`/api/v1/customers/${customerId}`);
    expect(view.body.segment).toBe('high_value');
    expect(view.body.stats).toMatchObject({ ordersCount: 2, annualSpendFen: 120_000 });
    const mine = await pollUntil(
      async () => segments.events.filter((e) => e.data.customerId === customerId),
      (events) => events.length >= 2,
      { what: 'segment events on the stream' },
    );
    expect(mine.map((e) => [e.data.previous, e.data.segment])).toEqual([
      [undefined, 'new'],
      ['new', 'high_value'],
    ]);
  });
});

describe('import (csv through the API)', () => {
  const lines = ['externalId,name,phone,email'];
  for (let i = 1; i <= 1000; i++) {
    const line = i + 1;
    lines.push(
      [
        `E2E-${i}`,
        `导入客户${i}`,
        line === 11 ? 'not-a-phone' : `1378888${String(i).padStart(4, '0')}`,
        line === 500 ? 'broken@' : `imp${i}@example.net`,
      ].join(','),
    );
  }
  lines[998] = ',无编号客户,,'; // line 999: a name but no identifier a re-run could find it by
  const file = `${lines.join('\n')}\n`;

  async function run(): Promise<any> {
    const queued = await upload(supervisor, '/api/v1/imports?kind=customers&format=csv', file);
    expect(queued.status).toBe(202);
    return pollUntil(
      async () => (await supervisor.get(`/api/v1/imports/${queued.body.id}`)).body,
      (job) => job.status === 'done' || job.status === 'failed',
      { timeoutMs: 60_000, what: 'import done' },
    );
  }

  it('stores 997 of 1,000 rows, reports the 3 bad lines as csv, and a second run adds nothing', async () => {
    expect((await upload(agent, '/api/v1/imports?kind=customers&format=csv', file)).status).toBe(403);
    const first = await run();
    expect(first).toMatchObject({ status: 'done', rowsRead: 1000, created: 997, failed: 3 });
    const report = await fetch(`${platform.gatewayUrl}/api/v1/imports/${first.id}/errors`, {
      headers: { authorization: `Bearer ${supervisor.token}` },
    });
    expect(report.headers.get('content-type')).toContain('text/csv');
    const rows = (await report.text()).trim().split('\n');
    expect(rows[0]).toBe('line,field,message');
    expect(rows.slice(1).map((row) => Number(row.split(',')[0]))).toEqual([11, 500, 999]);
    const second = await run();
    expect(second).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 997, failed: 3 });
    const found = await agent.get(`/api/v1/customers?externalId=E2E-42`);
    expect(found.body.items).toHaveLength(1);
  });
});

describe('import from the operator CLI', () => {
  it('uploads an orders file, follows it to the end and prints the refused rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cl-cli-import-'));
    const file = join(dir, 'orders.csv');
    writeFileSync(
      file,
      'externalOrderId,customerExternalId,amountYuan,orderedAt\nCLI-1,E2E-7,99.90,2026-11-03 09:00\nCLI-2,NOBODY,10,2026-11-03\n',
    );
    try {
      const result = await promisify(execFile)(
        process.execPath,
        [join(__dirname, '../../dist/apps/cli/src/main.js'), 'import', 'orders', file, '--errors'],
        {
          // The operator logs in as a real user (a supervisor may import); issue 14.3.
          env: {
            PATH: process.env.PATH,
            NATS_URL: requireEnv('NATS_URL'),
            NATS_PREFIX: platform.prefix,
            CLOSELOOP_GATEWAY_URL: platform.gatewayUrl,
            CLOSELOOP_EMAIL: 'supervisor@registry.e2e.test',
            CLOSELOOP_PASSWORD: 'supervisor-password-1',
          },
        },
      );
      expect(result.stderr).toContain('done in');
      expect(result.stdout).toContain('"created": 1');
      expect(result.stdout).toContain('3,customerExternalId,');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('merge (I5)', () => {
  it('lets a supervisor merge a duplicate; the duplicate id then resolves to the survivor', async () => {
    const a = await agent.post('/api/v1/customers', {
      name: '同名客户',
      storeId: 'store-9',
      phones: ['13766660001'],
    });
    const b = await agent.post('/api/v1/customers', {
      name: '同名客户',
      storeId: 'store-9',
      phones: ['13766660002'],
    });
    const candidates = await agent.get(`/api/v1/customers/${a.body.id}/duplicates`);
    expect(candidates.body).toEqual([{ id: b.body.id, reasons: ['same_name_and_store'] }]);
    const body = { duplicateId: b.body.id, reason: 'one person registered twice' };
    expect((await agent.post(`/api/v1/customers/${a.body.id}/merge`, body)).status).toBe(403);
    const merged = await supervisor.post(`/api/v1/customers/${a.body.id}/merge`, body);
    expect(merged.status).toBe(200);
    const resolved = await agent.get(`/api/v1/customers/${b.body.id}`);
    expect(resolved.body.id).toBe(a.body.id);
    expect(resolved.body.contacts).toHaveLength(2);
  });
});

describe('erasure everywhere (X1)', () => {
  /** Every row of every table of every service's schema, as text. */
  async function everySchema(): Promise<string> {
    const tables = await platform.db.query<{ schema: string; table: string }>(
      `SELECT table_schema AS schema, table_name AS table FROM information_schema.tables
       WHERE table_schema IN ('intake', 'routing', 'gateway') AND table_type = 'BASE TABLE'`,
    );
    expect(new Set(tables.map((t) => t.schema))).toEqual(new Set(['intake', 'routing', 'gateway']));
    const dumps: unknown[] = [];
    for (const { schema, table } of tables) {
      dumps.push(await platform.db.query(`SELECT row_to_json(t)::text AS row FROM "${schema}"."${table}" t`));
    }
    return JSON.stringify(dumps);
  }

  it('leaves no contact, name, ID number or their ciphertexts and hashes in any schema', async () => {
    // routing opened the customer's ticket (it holds the id only).
    await pollUntil(
      () => platform.db.query(`SELECT 1 FROM routing.tickets WHERE customer_id = $1`, [customerId]),
      (rows) => rows.length > 0,
      { what: 'ticket in routing' },
    );
    const stored = await platform.db.query<{ v: string }>(
      `SELECT value_enc AS v FROM intake.customer_contacts WHERE customer_id = $1
       UNION ALL SELECT encode(value_hash, 'hex') FROM intake.customer_contacts WHERE customer_id = $1
       UNION ALL SELECT name_enc FROM intake.customers WHERE id = $1
       UNION ALL SELECT id_number_enc FROM intake.customers WHERE id = $1`,
      [customerId],
    );
    expect(stored).toHaveLength(6);
    const erased = await supervisor.request(
      'DELETE',
      `/api/v1/customers/${customerId}?reason=${encodeURIComponent('客户要求删除')}`,
    );
    expect(erased.status).toBe(200);
    const everything = await everySchema();
    for (const value of [...SECRETS, '11010519491231002X', ...stored.map((row) => row.v)]) {
      expect(everything).not.toContain(value);
    }
    expect(everything).toContain(customerId); // the tombstone id stays (tickets, feedback, audit)
    expect((await agent.get(`/api/v1/customers/${customerId}`)).status).toBe(410);
  });

  it('never printed a contact or a name in any service log', () => {
    const logs = platform.logs.map((l) => l.line).join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [...SECRETS, '导入客户', '13788880042', 'imp42@example.net', '同名客户']) {
      expect(logs).not.toContain(secret);
    }
  });
});
