/**
 * The org directory in the gateway against real Postgres and NATS (no other service): departments,
 * stores, skills and agents with validation, 409 on taken ids, ETag / If-Match, deactivation rules, role
 * checks, availability, the `org.*.v1` events written with each change, and callers' grants read fresh from
 * the directory (a moved or deactivated user loses access although their token is still valid).
 */
import {
  Api,
  createTestDatabase,
  deleteTestStream,
  startService,
  testPrefix,
  type ApiResponse,
  type InProcessService,
  type TestDatabase,
} from '@closeloop/testing';
import { GatewayModule } from '../gateway.module';
import { GatewayEnv } from '../gateway.env';
import { configureGatewayRoutes } from '../http/configure';

jest.setTimeout(60_000);

const ADMIN = { email: 'root@org.test', password: 'org-admin-password' };
let db: TestDatabase;
let prefix: string;
let gateway: InProcessService;
let anonymous: Api;
let admin: Api;

function expectProblem(response: ApiResponse, status: number, code: string) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code });
  expect(response.status).toBe(status);
}

const patch = (api: Api, path: string, body: unknown, ifMatch?: string) =>
  api.request('PATCH', path, body, ifMatch ? { 'if-match': ifMatch } : {});

async function outboxEvents(type: string): Promise<Record<string, unknown>[]> {
  const rows = await db.query<{ data: Record<string, unknown> }>(
    `SELECT envelope->'data' AS data FROM gateway.outbox WHERE event_type = $1 ORDER BY seq`,
    [type],
  );
  return rows.map((row) => row.data);
}

async function createAgent(body: Record<string, unknown>): Promise<{ id: string; api: Api }> {
  const password = 'agent-password-123';
  const response = await admin.post('/api/v1/org/agents', { password, capacity: 5, ...body });
  expect(response.status).toBe(201);
  return { id: response.body.id, api: await anonymous.login(body.email as string, password) };
}

beforeAll(async () => {
  db = await createTestDatabase('gateway_org');
  prefix = testPrefix();
  gateway = await startService(GatewayEnv, (env) => GatewayModule.register(env), {
    databaseUrl: db.url,
    prefix,
    // No caching: each request sees the directory as it is (the bound itself is configuration).
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, CALLER_CACHE_SECONDS: '0' },
    configure: configureGatewayRoutes,
  });
  anonymous = new Api(gateway.url);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await gateway?.close();
  await db?.drop();
  await deleteTestStream(prefix);
});

describe('departments', () => {
  it('has the seeded R3 departments, announced through the outbox', async () => {
    const list = await admin.get('/api/v1/org/departments');
    expect(list.status).toBe(200);
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([
      'after-sales',
      'customer-service',
      'finance',
      'technical-support',
    ]);
    expect(list.body.nextCursor).toBeNull();
    const events = await outboxEvents('org.department-changed.v1');
    expect(events.map((e) => e.departmentId).sort()).toEqual(
      list.body.items.map((d: { id: string }) => d.id),
    );
    expect(events[0]).toMatchObject({ version: 1, active: true, assignmentStrategy: 'round_robin' });
  });

  it('creates one with its ETag and Location, refuses a taken id with 409 and bad fields with 400', async () => {
    const created = await admin.post('/api/v1/org/departments', {
      id: 'after-sales-east',
      name: '售后华东',
      parentId: 'after-sales',
      assignmentStrategy: 'least_load',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(created.headers.get('location')).toBe('/api/v1/org/departments/after-sales-east');
    expect(created.body).toMatchObject({
      id: 'after-sales-east',
      parentId: 'after-sales',
      supervisorIds: [],
      calendarId: null,
      assignmentStrategy: 'least_load',
      preferPreviousAgent: true,
      active: true,
      version: 1,
    });

    const taken = await admin.post('/api/v1/org/departments', { id: 'after-sales-east', name: 'again' });
    expectProblem(taken, 409, 'ORG.ID_TAKEN');

    const bad = await admin.post('/api/v1/org/departments', {
      id: 'Bad Id',
      name: '',
      assignmentStrategy: 'random',
      extra: true,
    });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'assignmentStrategy',
      'extra',
      'id',
      'name',
    ]);

    const orphan = await admin.post('/api/v1/org/departments', {
      id: 'orphan',
      name: 'x',
      parentId: 'nowhere',
    });
    expectProblem(orphan, 400, 'VALIDATION_FAILED');
    expect(orphan.body.errors).toEqual([{ field: 'parentId', message: 'no department nowhere' }]);
    expect((await admin.get('/api/v1/org/departments/orphan')).status).toBe(404);
  });

  it('changes only with a current If-Match: 428 without, 412 when stale, and never into a cycle', async () => {
    const path = '/api/v1/org/departments/after-sales';
    expectProblem(await patch(admin, path, { name: '售后' }), 428, 'PRECONDITION_REQUIRED');
    const first = await patch(admin, path, { name: '售后' }, '"v1"');
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"v2"');
    expectProblem(await patch(admin, path, { name: '售后服务' }, '"v1"'), 412, 'PRECONDITION_FAILED');

    const cycle = await patch(admin, path, { parentId: 'after-sales-east' }, '"v2"');
    expectProblem(cycle, 400, 'VALIDATION_FAILED');
    expect(cycle.body.errors[0]).toMatchObject({ field: 'parentId' });
    const fetched = await admin.get(path);
    expect(fetched.body).toMatchObject({ name: '售后', parentId: null, version: 2 });
    expect(fetched.headers.get('etag')).toBe('"v2"');

    const events = (await outboxEvents('org.department-changed.v1')).filter(
      (e) => e.departmentId === 'after-sales',
    );
    expect(events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('deactivates only what no active record uses, and keeps it readable', async () => {
    const parent = await admin.get('/api/v1/org/departments/after-sales');
    const refused = await patch(
      admin,
      '/api/v1/org/departments/after-sales',
      { active: false },
      parent.headers.get('etag')!,
    );
    expectProblem(refused, 409, 'ORG.IN_USE');

    const child = await admin.get('/api/v1/org/departments/after-sales-east');
    const off = await patch(
      admin,
      '/api/v1/org/departments/after-sales-east',
      { active: false },
      child.headers.get('etag')!,
    );
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    const inactive = await admin.get('/api/v1/org/departments?active=false');
    expect(inactive.body.items.map((d: { id: string }) => d.id)).toEqual(['after-sales-east']);
    // Nothing may be attached to a deactivated department.
    const store = await admin.post('/api/v1/org/stores', {
      id: 'east-1',
      name: 'East 1',
      sizeClass: 'small',
      departmentId: 'after-sales-east',
    });
    expectProblem(store, 400, 'VALIDATION_FAILED');
  });

  it('pages with an opaque cursor', async () => {
    const first = await admin.get('/api/v1/org/departments?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await admin.get(`/api/v1/org/departments?limit=2&cursor=${first.body.nextCursor}`);
    const third = await admin.get(`/api/v1/org/departments?limit=2&cursor=${second.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map(
      (d: { id: string }) => d.id,
    );
    expect(ids).toEqual([
      'after-sales',
      'after-sales-east',
      'customer-service',
      'finance',
      'technical-support',
    ]);
    expect(third.body.nextCursor).toBeNull();
    expectProblem(await admin.get('/api/v1/org/departments?cursor=nonsense'), 400, 'VALIDATION_FAILED');
  });
});

describe('stores and skills', () => {
  it('creates, validates and versions them', async () => {
    const store = await admin.post('/api/v1/org/stores', {
      id: 'sh-xujiahui',
      name: '上海徐家汇店',
      sizeClass: 'large',
      departmentId: 'customer-service',
    });
    expect(store.status).toBe(201);
    const bad = await admin.post('/api/v1/org/stores', { id: 'x', name: 'x', sizeClass: 'huge' });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ field: 'sizeClass', message: expect.stringContaining('sizeClass') }]);
    const moved = await patch(admin, '/api/v1/org/stores/sh-xujiahui', { sizeClass: 'small' }, '"v1"');
    expect(moved.body).toMatchObject({ sizeClass: 'small', version: 2 });
    expect(await outboxEvents('org.store-changed.v1')).toEqual([
      expect.objectContaining({ storeId: 'sh-xujiahui', sizeClass: 'large', version: 1 }),
      expect.objectContaining({ storeId: 'sh-xujiahui', sizeClass: 'small', version: 2 }),
    ]);

    for (const id of ['billing', 'hardware']) {
      expect((await admin.post('/api/v1/org/skills', { id, name: id })).status).toBe(201);
    }
    expectProblem(
      await admin.post('/api/v1/org/skills', { id: 'billing', name: 'again' }),
      409,
      'ORG.ID_TAKEN',
    );
    expect((await admin.get('/api/v1/org/skills')).body.items.map((s: { id: string }) => s.id)).toEqual([
      'billing',
      'hardware',
    ]);
  });
});

describe('agents, roles and callers', () => {
  let supervisor: { id: string; api: Api };
  let agent: { id: string; api: Api };

  beforeAll(async () => {
    supervisor = await createAgent({
      email: 'sup@org.test',
      displayName: 'Sup',
      roles: ['supervisor'],
      departmentIds: [],
    });
    const department = await admin.get('/api/v1/org/departments/customer-service');
    const made = await patch(
      admin,
      '/api/v1/org/departments/customer-service',
      { supervisorIds: [supervisor.id] },
      department.headers.get('etag')!,
    );
    expect(made.status).toBe(200);
    agent = await createAgent({
      email: 'Agent@Org.test',
      displayName: 'Agent',
      roles: ['agent'],
      departmentIds: ['customer-service'],
      skillIds: ['billing'],
    });
  });

  it('creates an agent with its profile, away until they go on shift, and announces it', async () => {
    const me = await agent.api.get('/api/v1/org/agents/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      email: 'agent@org.test',
      roles: ['agent'],
      departmentIds: ['customer-service'],
      skillIds: ['billing'],
      capacity: 5,
      availability: 'away',
      version: 1,
    });
    expect(await outboxEvents('org.agent-changed.v1')).toContainEqual(
      expect.objectContaining({
        userId: agent.id,
        departmentIds: ['customer-service'],
        capacity: 5,
        version: 1,
      }),
    );
    const unknownSkill = await admin.post('/api/v1/org/agents', {
      email: 'x@org.test',
      displayName: 'X',
      password: 'agent-password-123',
      roles: ['agent'],
      capacity: 1,
      skillIds: ['juggling'],
    });
    expectProblem(unknownSkill, 400, 'VALIDATION_FAILED');
    expect(unknownSkill.body.errors).toEqual([
      { field: 'skillIds', message: 'juggling is not an active skill' },
    ]);
  });

  it('lets an agent read itself and go on shift, but never manage the org (403)', async () => {
    expectProblem(
      await agent.api.post('/api/v1/org/departments', { id: 'mine', name: 'mine' }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await agent.api.get('/api/v1/org/departments'), 403, 'FORBIDDEN');
    expectProblem(
      await patch(agent.api, `/api/v1/org/agents/${agent.id}`, { capacity: 99 }, '"v1"'),
      403,
      'FORBIDDEN',
    );
    const onShift = await agent.api.request('PUT', '/api/v1/org/agents/me/availability', {
      availability: 'on_shift',
    });
    expect(onShift.status).toBe(200);
    expect(onShift.body).toMatchObject({ availability: 'on_shift', version: 2 });
    expect(onShift.headers.get('etag')).toBe('"v2"');
    const stale = await agent.api.request(
      'PUT',
      '/api/v1/org/agents/me/availability',
      { availability: 'away' },
      { 'if-match': '"v1"' },
    );
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
  });

  it("lets a supervisor set availability for their departments' agents only, decided fresh per request", async () => {
    const path = `/api/v1/org/agents/${agent.id}/availability`;
    const set = await supervisor.api.request('PUT', path, { availability: 'away' });
    expect(set.status).toBe(200);
    expect(set.body.availability).toBe('away');

    // The supervisor stops supervising customer-service: the same token no longer reaches its agents.
    const department = await admin.get('/api/v1/org/departments/customer-service');
    await patch(
      admin,
      '/api/v1/org/departments/customer-service',
      { supervisorIds: [] },
      department.headers.get('etag')!,
    );
    expectProblem(
      await supervisor.api.request('PUT', path, { availability: 'on_shift' }),
      404,
      'AGENT.NOT_FOUND',
    );
  });

  it('refuses a deactivated user at once, token or not', async () => {
    const current = await admin.get(`/api/v1/org/agents/${agent.id}`);
    const off = await patch(
      admin,
      `/api/v1/org/agents/${agent.id}`,
      { active: false },
      current.headers.get('etag')!,
    );
    expect(off.status).toBe(200);
    expectProblem(await agent.api.get('/api/v1/org/agents/me'), 401, 'UNAUTHENTICATED');
    const login = await anonymous.post('/api/v1/auth/token', {
      email: 'agent@org.test',
      password: 'agent-password-123',
    });
    expect(login.status).toBe(401);
    expect(await outboxEvents('org.agent-changed.v1')).toContainEqual(
      expect.objectContaining({ userId: agent.id, active: false }),
    );
  });

  it('answers 404 for a user who is not an agent and for a malformed id', async () => {
    const admins = await db.query<{ id: string }>(`SELECT id FROM gateway.users WHERE email = $1`, [
      ADMIN.email,
    ]);
    expectProblem(await admin.get(`/api/v1/org/agents/${admins[0].id}`), 404, 'AGENT.NOT_FOUND');
    expectProblem(await admin.get('/api/v1/org/agents/not-a-uuid'), 404, 'AGENT.NOT_FOUND');
  });
});
