/**
 * The org directory, dispatch and assignment through the running platform (gateway, intake, routing as
 * separate processes): an admin builds a department with agents through /api/v1/org and routes a category
 * to it (/settings/dispatch); 20 complaints spread by round robin and never beyond capacity (issue 4);
 * a supervisor reassigns (a stale If-Match gets 412) and pulls in a collaborating department; agents cannot
 * manage the org (403); a user moved out of a department loses its tickets within CALLER_CACHE_SECONDS.
 */
import {
  ADMIN,
  Api,
  pollUntil,
  startPlatform,
  type ApiResponse,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(180_000);

let platform: RunningPlatform;
let anonymous: Api;
let admin: Api;
let supervisor: { id: string; api: Api };
const agents: { id: string; api: Api; capacity: number }[] = [];
const ticketNos: string[] = [];

function expectProblem(response: ApiResponse, status: number, code: string) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, correlationId: expect.any(String) });
  expect(response.status).toBe(status);
}

async function staff(email: string, roles: string[], capacity: number, departmentIds: string[]) {
  const password = 'org-e2e-password';
  const created = await admin.post('/api/v1/org/agents', {
    email,
    displayName: email.split('@')[0],
    password,
    roles,
    capacity,
    departmentIds,
  });
  expect(created.status).toBe(201);
  return { id: created.body.id as string, api: await anonymous.login(email, password) };
}

async function assignments(): Promise<{ ticket_no: string; department: string; assignee: string | null }[]> {
  return platform.db.query(
    `SELECT ticket_no, department, assignee FROM routing.tickets WHERE ticket_no = ANY($1) ORDER BY ticket_no`,
    [ticketNos],
  );
}

beforeAll(async () => {
  platform = await startPlatform('org_dispatch', { env: { CALLER_CACHE_SECONDS: '1' } });
  anonymous = new Api(platform.gatewayUrl);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
});

afterAll(async () => {
  await platform?.stop();
});

describe('an admin sets up a department and its dispatch rule', () => {
  it('creates the department, its supervisor and three agents through /api/v1/org', async () => {
    const department = await admin.post('/api/v1/org/departments', {
      id: 'repairs',
      name: '维修热线',
      parentId: 'technical-support',
      assignmentStrategy: 'round_robin',
      preferPreviousAgent: false,
    });
    expect(department.status).toBe(201);
    supervisor = await staff('lead@repairs.test', ['supervisor'], 0, ['repairs']);
    const withSupervisor = await admin.request(
      'PATCH',
      '/api/v1/org/departments/repairs',
      { supervisorIds: [supervisor.id] },
      { 'if-match': department.headers.get('etag')! },
    );
    expect(withSupervisor.status).toBe(200);
    for (const [i, capacity] of [8, 8, 3].entries()) {
      const agent = await staff(`agent${i}@repairs.test`, ['agent'], capacity, ['repairs']);
      agents.push({ ...agent, capacity });
      // Each agent goes on shift themselves.
      const onShift = await agent.api.request('PUT', '/api/v1/org/agents/me/availability', {
        availability: 'on_shift',
      });
      expect(onShift.status).toBe(200);
    }
    // The directory reaches routing as events.
    await pollUntil(
      () =>
        platform.db.query(
          `SELECT user_id FROM routing.org_agents WHERE 'repairs' = ANY(department_ids) AND availability = 'on_shift'`,
        ),
      (rows) => rows.length === 3,
      { what: 'routing knows the agents on shift' },
    );
  });

  it('routes product defects to the new department through the dispatch settings', async () => {
    const current = await admin.get('/api/v1/settings/dispatch');
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"dispatch.v1"');
    const rules = [
      { id: 'defects-to-repairs', match: { categories: ['product.defect'] }, department: 'repairs' },
    ];
    const saved = await admin.request(
      'PUT',
      '/api/v1/settings/dispatch',
      { ...current.body, rules: [...rules, ...current.body.rules] },
      { 'if-match': '"dispatch.v1"' },
    );
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe('"dispatch.v2"');
    const unknown = await admin.request(
      'PUT',
      '/api/v1/settings/dispatch',
      { rules: [{ id: 'x', match: {}, department: 'nowhere' }], fallbackDepartment: 'customer-service' },
      { 'if-match': '"dispatch.v2"' },
    );
    expectProblem(unknown, 400, 'VALIDATION_FAILED');
    expect(unknown.body.errors[0]).toMatchObject({ field: 'rules.0.department' });
  });
});

describe('assignment (R3)', () => {
  it('spreads 20 tickets by round robin and never beyond an agent’s capacity', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        supervisor.api.post('/api/v1/feedback', {
          channel: 'hotline',
          customer: { phone: `1391234${String(i).padStart(4, '0')}` },
          type: 'complaint',
          description: '冰箱坏了，不制冷',
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    ticketNos.push(...responses.map((r) => r.body.ticketNo as string));
    const rows = await pollUntil(
      assignments,
      (r) => r.length === 20 && r.every((t) => t.department === 'repairs'),
      { what: '20 tickets dispatched to repairs' },
    );
    const held = (id: string) => rows.filter((r) => r.assignee === id).length;
    // Turns go round; the third agent is full at 3, the others take the rest up to 8; one waits.
    expect(agents.map((a) => held(a.id))).toEqual([8, 8, 3]);
    expect(rows.filter((r) => r.assignee === null)).toHaveLength(1);
    // The supervisor sees the floor as it is: 19 held against the capacities, one waiting (R3, C9).
    const workload = await supervisor.api.get('/api/v1/workload?department=repairs');
    expect(workload.status).toBe(200);
    expect(workload.body.departments).toEqual([
      expect.objectContaining({ department: 'repairs', queued: 1, onShift: 3, freeCapacity: 0 }),
    ]);
    expect(
      agents.map((a) =>
        workload.body.departments[0].agents.find((w: { userId: string }) => w.userId === a.id),
      ),
    ).toEqual(agents.map((a) => expect.objectContaining({ capacity: a.capacity, load: held(a.id) })));
    expectProblem(await agents[0].api.get('/api/v1/workload'), 403, 'FORBIDDEN');
    // The first nine turns went to each agent three times.
    const firstNine = await platform.db.query<{ assignee: string }>(
      `SELECT h.data->>'assignee' AS assignee FROM routing.ticket_history h
         JOIN routing.tickets t ON t.id = h.ticket_id
        WHERE t.ticket_no = ANY($1) AND h.action = 'assigned' ORDER BY h.id LIMIT 9`,
      [ticketNos],
    );
    for (const agent of agents) expect(firstNine.filter((r) => r.assignee === agent.id)).toHaveLength(3);

    // An agent sees their ticket in their department, with its history.
    const mine = rows.find((r) => r.assignee === agents[0].id)!.ticket_no;
    const ticket = await agents[0].api.get(`/api/v1/tickets/${mine}`);
    expect(ticket.status).toBe(200);
    expect(ticket.body).toMatchObject({ department: 'repairs', assignee: agents[0].id, status: 'assigned' });
    expect(ticket.body.history.map((h: { action: string }) => h.action)).toEqual(['opened', 'assigned']);
  });

  it('lets a supervisor reassign with the current If-Match only (412 when stale), and never an agent', async () => {
    const rows = await assignments();
    const ticketNo = rows.find((r) => r.assignee === agents[0].id)!.ticket_no;
    const current = await supervisor.api.get(`/api/v1/tickets/${ticketNo}`);
    const etag = current.headers.get('etag')!;
    const body = { department: 'repairs', reason: '客户要求换一位工程师' };

    expectProblem(
      await agents[0].api.post(`/api/v1/tickets/${ticketNo}/reassign`, body, { 'if-match': etag }),
      403,
      'FORBIDDEN',
    );
    expectProblem(
      await supervisor.api.post(`/api/v1/tickets/${ticketNo}/reassign`, body),
      428,
      'PRECONDITION_REQUIRED',
    );
    const stale = await supervisor.api.post(`/api/v1/tickets/${ticketNo}/reassign`, body, {
      'if-match': '"v0"',
    });
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    // The third agent is full: the strategy passes over them and the first agent, to the second... who is full
    // too, so the ticket waits in the queue, and the first agent's freed place goes to the ticket waiting there.
    const moved = await supervisor.api.post(`/api/v1/tickets/${ticketNo}/reassign`, body, {
      'if-match': etag,
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ ticketNo, department: 'repairs', assignee: null });
    expect(moved.headers.get('etag')).not.toBe(etag);
    const after = await assignments();
    expect(after.filter((r) => r.assignee === agents[0].id)).toHaveLength(8);
    expect(after.find((r) => r.ticket_no === ticketNo)?.assignee).toBeNull();
    // Stale now: the same request again changes nothing.
    expectProblem(
      await supervisor.api.post(`/api/v1/tickets/${ticketNo}/reassign`, body, { 'if-match': etag }),
      412,
      'PRECONDITION_FAILED',
    );
  });

  it('pulls in a collaborating department with its own task, owner and deadline', async () => {
    const ticketNo = (await assignments()).find((r) => r.assignee === agents[1].id)!.ticket_no;
    const dueAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const created = await agents[1].api.post(
      `/api/v1/tickets/${ticketNo}/collaborations`,
      { department: 'finance', task: '确认保修期内免费更换压缩机的费用', dueAt },
      { 'idempotency-key': 'collab-e2e-0001' },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ department: 'finance', ownerId: null, status: 'open', dueAt });
    const replay = await agents[1].api.post(
      `/api/v1/tickets/${ticketNo}/collaborations`,
      { department: 'finance', task: '确认保修期内免费更换压缩机的费用', dueAt },
      { 'idempotency-key': 'collab-e2e-0001' },
    );
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(created.body.id);
    const done = await supervisor.api.post(
      `/api/v1/tickets/${ticketNo}/collaborations/${created.body.id}/complete`,
      {
        outcome: '费用由厂家承担',
      },
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'done', onTime: true });
    const list = await agents[1].api.get(`/api/v1/tickets/${ticketNo}/collaborations`);
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id, status: 'done' })]);
  });
});

describe('the org is for admins', () => {
  it('refuses an agent any change of the directory (403), and a supervisor too', async () => {
    const agent = agents[0].api;
    expectProblem(
      await agent.post('/api/v1/org/departments', { id: 'mine', name: 'mine' }),
      403,
      'FORBIDDEN',
    );
    expectProblem(await agent.get('/api/v1/org/agents'), 403, 'FORBIDDEN');
    expectProblem(await agent.post('/api/v1/org/skills', { id: 'mine', name: 'mine' }), 403, 'FORBIDDEN');
    expectProblem(
      await supervisor.api.post('/api/v1/org/stores', { id: 's', name: 's', sizeClass: 'small' }),
      403,
      'FORBIDDEN',
    );
    // Supervisors read the directory.
    expect(
      (await supervisor.api.get('/api/v1/org/departments?parentId=technical-support')).body.items,
    ).toEqual([expect.objectContaining({ id: 'repairs', supervisorIds: [supervisor.id] })]);
  });
});

describe('OpenAPI', () => {
  it('documents the org, dispatch and reassign routes with their request classes', async () => {
    const spec = (await anonymous.get('/api/docs-json')).body;
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/org/departments',
        '/api/v1/org/departments/{id}',
        '/api/v1/org/agents/me/availability',
        '/api/v1/tickets/{ticketNo}/reassign',
        '/api/v1/tickets/{ticketNo}/collaborations/{id}/complete',
        '/api/v1/workload',
      ]),
    );
    const patch = spec.paths['/api/v1/org/departments/{id}'].patch;
    expect(JSON.stringify(patch.requestBody)).toContain('UpdateDepartmentDto');
    expect(patch.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['id', 'If-Match']),
    );
    const list = spec.paths['/api/v1/org/departments'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['parentId', 'active', 'cursor', 'limit']),
    );
    expect(spec.components.schemas.UpdateDepartmentDto.properties).toHaveProperty('active');
  });
});

describe('callers follow the directory', () => {
  it('a user moved out of a department loses its tickets within CALLER_CACHE_SECONDS, token or not', async () => {
    const moving = agents[2];
    // A colleague's ticket: readable through the department, not through an assignment.
    const ticketNo = (await assignments()).find((r) => r.assignee === agents[1].id)!.ticket_no;
    expect((await moving.api.get(`/api/v1/tickets/${ticketNo}`)).status).toBe(200);
    const profile = await admin.get(`/api/v1/org/agents/${moving.id}`);
    const changed = await admin.request(
      'PATCH',
      `/api/v1/org/agents/${moving.id}`,
      { departmentIds: ['customer-service'] },
      { 'if-match': profile.headers.get('etag')! },
    );
    expect(changed.status).toBe(200);
    await pollUntil(
      () => moving.api.get(`/api/v1/tickets/${ticketNo}`),
      (response) => response.status === 404,
      { timeoutMs: 10_000, what: 'the moved agent loses access' },
    );
    // And their own repairs tickets go back to the repairs queue (R3: only members hold them).
    await pollUntil(assignments, (rows) => rows.every((r) => r.assignee !== moving.id), {
      what: "the moved agent's tickets requeued",
    });
  });
});
