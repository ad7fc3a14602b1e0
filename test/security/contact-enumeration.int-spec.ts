/**
 * X1, X2 (issue 14): recovering a masked number (`138****5678` leaves 10,000 candidates) by searching every
 * candidate. Two gateway and two intake replicas in this process, real Postgres and NATS: a user's searches
 * by contact are counted in Postgres (shared by the replicas), refused past the limit with 429 problem+json,
 * every one audited (the kind searched, never the value), counted in the metrics an alert watches; analysts
 * may not search by contact unless the privacy settings grant it.
 */
import { ServiceMetrics } from '@closeloop/runtime';
import {
  Api,
  createTestScope,
  pollUntil,
  sampleValue,
  type InProcessService,
  type TestDatabase,
  type TestScope,
} from '@closeloop/testing';
import { configureGatewayRoutes } from '../../apps/gateway/src/http/configure';
import { startGateway } from '../../apps/gateway/src/testing/gateway-fixtures';
import { startIntake } from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(120_000);

const ADMIN = { email: 'admin@enumeration.test', password: 'enumeration-admin-password' };
const LIMIT = 5;
const PHONE = '13800135678';

let scope: TestScope;
let db: TestDatabase;
let intakes: InProcessService[];
let gateways: InProcessService[];
let admin: Api;
let customerId: string;

function userIdOf(api: Api): string {
  const payload = api.token!.split('.')[1];
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
}

async function user(role: string, name = role): Promise<Api> {
  const email = `${name}@enumeration.test`;
  const created = await admin.post('/api/v1/users', {
    email,
    displayName: name,
    password: `${name}-password-1`,
    roles: [role],
  });
  expect(created.status).toBe(201);
  return new Api(gateways[0].url).login(email, `${name}-password-1`);
}

async function putPrivacy(change: (value: Record<string, any>) => Record<string, any>): Promise<void> {
  const current = await admin.get('/api/v1/settings/privacy');
  expect(current.status).toBe(200);
  const put = await admin.request('PUT', '/api/v1/settings/privacy', change(current.body), {
    'if-match': current.headers.get('etag')!,
  });
  expect(put.status).toBe(200);
}

/** The sum over both intake replicas of one sample of their metrics. */
async function intakeSample(name: string, labels: Record<string, string>): Promise<number[]> {
  return Promise.all(
    intakes.map(
      async (intake) => sampleValue(await intake.app.get(ServiceMetrics).text(), name, labels) ?? 0,
    ),
  );
}

beforeAll(async () => {
  scope = await createTestScope('contact-enumeration');
  db = scope.db;
  const gateway = () =>
    startGateway(scope, {
      env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      configure: configureGatewayRoutes,
    });
  intakes = await Promise.all([startIntake(scope), startIntake(scope)]);
  gateways = await Promise.all([gateway(), gateway()]);
  admin = await new Api(gateways[0].url).login(ADMIN.email, ADMIN.password);
  const created = await admin.post('/api/v1/customers', { name: '王小明', phones: [PHONE] });
  expect(created.status).toBe(201);
  customerId = created.body.id;
  // A small limit for the test (seeded: 100 an hour); a week's window so no boundary falls inside the test.
  await putPrivacy((value) => ({
    ...value,
    contactSearch: { ...value.contactSearch, limit: LIMIT, windowSeconds: 7 * 86_400 },
  }));
});

afterAll(() => scope?.close());

it('seeds the privacy settings: analysts may not search by contact, 100 searches an hour', async () => {
  const [row] = await db.query<{ value: unknown }>(
    `SELECT value FROM intake.setting_revisions WHERE key = 'privacy' ORDER BY version DESC OFFSET 1 LIMIT 1`,
  );
  expect(row.value).toEqual({
    unmaskRoles: ['supervisor', 'admin'],
    contactSearch: { roles: ['admin', 'supervisor', 'agent'], limit: 100, windowSeconds: 3600 },
  });
});

describe('an agent enumerating the candidates of a masked number', () => {
  const attempts = 20;
  const candidates = Array.from({ length: attempts }, (_, i) =>
    i === 2 ? PHONE : `138001${String(35_000 + i).padStart(5, '0')}`,
  );
  let agent: Api;
  let answers: { status: number; contentType: string | null; body: any }[];

  beforeAll(async () => {
    agent = await user('agent');
    answers = [];
    for (const [i, phone] of candidates.entries()) {
      // Alternate gateways; NATS spreads the requests over both intake replicas.
      const response = await new Api(gateways[i % 2].url, agent.token).get(
        `/api/v1/customers?phone=${encodeURIComponent(phone)}`,
      );
      answers.push({
        status: response.status,
        contentType: response.headers.get('content-type'),
        body: response.body,
      });
    }
  });

  it('answers the first searches up to the limit, then refuses with 429 problem+json', () => {
    expect(answers.map((a) => a.status)).toEqual([
      ...Array<number>(LIMIT).fill(200),
      ...Array<number>(attempts - LIMIT).fill(429),
    ]);
    expect(answers[2].body.items.map((c: { id: string }) => c.id)).toEqual([customerId]);
    const refused = answers[LIMIT];
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
  });

  it('counted across both intake replicas: each served some of the searches, yet the limit held', async () => {
    const count = (outcome: string) =>
      intakeSample('closeloop_rpc_duration_seconds_count', { method: 'customer.search', outcome });
    const [ok, refused] = await Promise.all([count('ok'), count('refused')]);
    const served = ok.map((n, i) => n + refused[i]);
    expect(served.every((n) => n > 0)).toBe(true);
    expect(served[0] + served[1]).toBe(attempts);
  });

  it('audits every search (who, which customer) and every refusal, with the kind searched and never the value', async () => {
    const audit = await admin.get(`/api/v1/audit?actor=${userIdOf(agent)}&limit=200`);
    expect(audit.status).toBe(200);
    const rows: { action: string; customerId: string | null; fields: string[] }[] = audit.body.items;
    expect(rows.filter((r) => r.action === 'customers.contact-searched')).toHaveLength(LIMIT);
    expect(rows.filter((r) => r.action === 'customers.contact-search-refused')).toHaveLength(
      attempts - LIMIT,
    );
    expect(rows.filter((r) => r.customerId !== null)).toEqual([
      expect.objectContaining({ action: 'customers.contact-searched', customerId, fields: ['phone'] }),
    ]);
    expect(rows.every((r) => JSON.stringify(r.fields) === '["phone"]')).toBe(true);
    const stored = JSON.stringify([
      await db.query('SELECT * FROM intake.audit_log'),
      await db.query('SELECT * FROM intake.contact_search_counters'),
    ]);
    for (const phone of candidates) expect(stored).not.toContain(phone.slice(3));
  });

  it('moves the metrics an alert watches: refusals, and the busiest user against the limit', async () => {
    const sum = async (outcome: string) =>
      (await intakeSample('closeloop_contact_searches_total', { kind: 'phone', outcome })).reduce(
        (a, b) => a + b,
        0,
      );
    expect(await sum('refused')).toBe(attempts - LIMIT);
    expect(await sum('found')).toBe(1);
    expect(await sum('not_found')).toBe(LIMIT - 1);
    // Read from the shared counters at scrape time: every replica reports the same.
    expect(await intakeSample('closeloop_contact_searches_busiest_user', {})).toEqual([attempts, attempts]);
    expect(await intakeSample('closeloop_contact_search_limit', {})).toEqual([LIMIT, LIMIT]);
  });

  it('limits per user: another agent still searches', async () => {
    const other = await user('agent', 'agent-two');
    expect((await other.get(`/api/v1/customers?phone=${PHONE}`)).status).toBe(200);
  });
});

describe('analysts', () => {
  it('may not search by contact or external id by default, but still list by segment', async () => {
    const analyst = await user('analyst');
    for (const query of [`phone=${PHONE}`, 'email=someone%40example.com', 'externalId=crm-1']) {
      const response = await analyst.get(`/api/v1/customers?${query}`);
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
    expect((await analyst.get('/api/v1/customers?segment=new')).status).toBe(200);
  });

  it('may search by contact once the privacy settings grant it (audited like anyone)', async () => {
    const analyst = await new Api(gateways[1].url).login('analyst@enumeration.test', 'analyst-password-1');
    await putPrivacy((value) => ({
      ...value,
      contactSearch: { ...value.contactSearch, roles: [...value.contactSearch.roles, 'analyst'] },
    }));
    // Each replica re-reads the settings within seconds; a refused (403) attempt is not counted.
    const found = await pollUntil(
      () => analyst.get(`/api/v1/customers?phone=${PHONE}`),
      (response) => response.status === 200,
      { timeoutMs: 20_000, intervalMs: 250, what: 'an analyst allowed to search by contact' },
    );
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([customerId]);
    const [row] = await db.query<{ action: string; customer_id: string }>(
      'SELECT action, customer_id FROM intake.audit_log WHERE actor = $1',
      [userIdOf(analyst)],
    );
    expect(row).toEqual({ action: 'customers.contact-searched', customer_id: customerId });
  });
});
