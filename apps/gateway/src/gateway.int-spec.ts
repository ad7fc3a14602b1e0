/**
 * gateway against real Postgres and NATS, with no other service running: the first admin is created once
 * however many replicas start together, tokens, user management, and a clear 503 when intake is down.
 */
import { pendingSchemaChanges } from '@closeloop/persistence';
import {
  Api,
  createTestDatabase,
  deleteTestStream,
  startService,
  testPrefix,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { GatewayModule } from './gateway.module';
import { GatewayEnv } from './gateway.env';
import { configureGatewayRoutes } from './http/configure';

jest.setTimeout(60_000);

const ADMIN = { email: 'Root@Gateway.test', password: 'gateway-admin-password' };
let db: TestDatabase;
let prefix: string;
let replicas: InProcessService[];
let admin: Api;

beforeAll(async () => {
  db = await createTestDatabase('gateway');
  prefix = testPrefix();
  const start = () =>
    startService(GatewayEnv, (env) => GatewayModule.register(env), {
      databaseUrl: db.url,
      prefix,
      env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      configure: configureGatewayRoutes,
    });
  replicas = await Promise.all([start(), start(), start()]);
  admin = await new Api(replicas[0].url).login(ADMIN.email.toLowerCase(), ADMIN.password);
});

afterAll(async () => {
  await Promise.all((replicas ?? []).map((r) => r.close()));
  await db?.drop();
  await deleteTestStream(prefix);
});

it('has entities and migrations in agreement (no pending migration)', async () => {
  expect(await pendingSchemaChanges(replicas[0].dataSource)).toEqual([]);
});

it('creates the first admin once although three replicas started together, e-mail lowercased', async () => {
  const rows = await db.query<{ email: string; roles: string[] }>('SELECT email, roles FROM gateway.users');
  expect(rows).toEqual([{ email: 'root@gateway.test', roles: ['admin'] }]);
  const stored = await db.query<{ password_hash: string }>('SELECT password_hash FROM gateway.users');
  expect(stored[0].password_hash).not.toContain(ADMIN.password);
});

it('issues tokens that every replica accepts, and refuses a wrong password with 401', async () => {
  const other = new Api(replicas[2].url).withToken(admin.token!);
  expect((await other.get('/api/v1/users')).status).toBe(200);
  const wrong = await new Api(replicas[1].url).request('POST', '/api/v1/auth/token', {
    email: ADMIN.email,
    password: 'not-the-password',
  });
  expect(wrong.status).toBe(401);
  expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
});

it('refuses a second user with the same e-mail with 409', async () => {
  const user = {
    email: 'sup@gateway.test',
    displayName: 'Sup',
    password: 'supervisor-password',
    roles: ['supervisor'],
  };
  expect((await admin.post('/api/v1/users', user)).status).toBe(201);
  const again = await admin.post('/api/v1/users', { ...user, email: 'SUP@gateway.test' });
  expect(again.status).toBe(409);
  expect(again.body.code).toBe('USER.EMAIL_TAKEN');
});

describe('request checks in parameter decorators and pipes (issue 13.3), before anything is asked', () => {
  const feedback = {
    channel: 'app',
    customer: { email: 'someone@example.com' },
    type: 'suggestion',
    description: 'add dark mode',
  };
  const fields = (body: { errors?: { field: string }[] }) => (body.errors ?? []).map((e) => e.field);

  it('refuses a malformed Idempotency-Key with a 400 field error (I6)', async () => {
    const response = await admin.post('/api/v1/feedback', feedback, { 'Idempotency-Key': 'short' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(fields(response.body)).toEqual(['Idempotency-Key']);
  });

  it("answers a body and a key both wrong with the body's field errors, as when the check sat in the method", async () => {
    for (const [path, body] of [
      ['/api/v1/feedback', { ...feedback, unknownField: 1 }],
      ['/api/v1/customers', { phones: 'not-a-list' }],
    ] as const) {
      const response = await admin.post(path, body, { 'Idempotency-Key': 'short' });
      expect(response.status).toBe(400);
      expect(fields(response.body).length).toBeGreaterThan(0);
      expect([path, fields(response.body)]).toEqual([path, expect.not.arrayContaining(['Idempotency-Key'])]);
    }
  });

  it('answers an import upload that is not a file with 415, and a bad query there with 400 first', async () => {
    const notAFile = await admin.post('/api/v1/imports?kind=customers&format=csv', { a: 1 });
    expect(notAFile.status).toBe(415);
    const badQuery = await admin.post('/api/v1/imports?kind=nope&format=csv', { a: 1 });
    expect(badQuery.status).toBe(400);
    expect(fields(badQuery.body)).toEqual(['kind']);
  });

  it('answers a collaboration id that is not a UUID with 404, and a bad body there with 400 first', async () => {
    const path = '/api/v1/tickets/T-1/collaborations/not-a-uuid/complete';
    const missing = await admin.post(path, { outcome: 'done' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'COLLABORATION.NOT_FOUND' });
    const bad = await admin.post(path, { unknownField: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

it('answers 503 problem+json at once when no intake replica is running', async () => {
  const started = Date.now();
  const response = await admin.post('/api/v1/feedback', {
    channel: 'app',
    customer: { email: 'someone@example.com' },
    type: 'suggestion',
    description: 'add dark mode',
  });
  expect(response.status).toBe(503);
  expect(response.body).toMatchObject({
    code: 'SERVICE_UNAVAILABLE',
    detail: 'no intake instance is running',
  });
  expect(Date.now() - started).toBeLessThan(5_000);
});
