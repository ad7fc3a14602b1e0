/**
 * SLA policies and business calendars as settings, through the gateway (issue 4): an admin reads a
 * document with its ETag and replaces it with If-Match; stale, missing and unauthorised writes and invalid
 * documents are refused and change nothing; tickets opened afterwards follow the new policy (R1, R2).
 */
import {
  ADMIN,
  Api,
  pollUntil,
  startPlatform,
  type ApiResponse,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(120_000);

let platform: RunningPlatform;
let admin: Api;
let agent: Api;

type Document = Record<string, unknown> & { policies: Record<string, unknown>[] };

const put = (api: Api, key: string, body: unknown, ifMatch?: string) =>
  api.request('PUT', `/api/v1/settings/${key}`, body, ifMatch ? { 'if-match': ifMatch } : {});

function expectProblem(response: ApiResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code });
}

beforeAll(async () => {
  platform = await startPlatform('sla_settings');
  const anonymous = new Api(platform.gatewayUrl);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
  const created = await admin.post('/api/v1/users', {
    email: 'agent@sla.test',
    displayName: 'Agent Sla',
    password: 'agent-password-1',
    roles: ['agent'],
    // R3 dispatch puts each ticket in a department; agents read the tickets of theirs (the seeded four).
    departments: ['customer-service', 'technical-support', 'after-sales', 'finance'],
  });
  expect(created.status).toBe(201);
  agent = await anonymous.login('agent@sla.test', 'agent-password-1');
});

afterAll(async () => {
  await platform?.stop();
});

describe('GET|PUT /api/v1/settings/{sla,calendar}', () => {
  let sla: Document;
  let etag: string;

  it('gives the admin the seeded SLA document with an ETag', async () => {
    const response = await admin.get('/api/v1/settings/sla');
    expect(response.status).toBe(200);
    etag = response.headers.get('etag')!;
    expect(etag).toBe('"sla.v1"');
    sla = response.body as Document;
    expect(sla.policies.map((p) => p.id)).toEqual(['feedback-complex', 'feedback-ordinary', 'r1-default']);
    expect(sla.dueSoonMinutes).toBe(15);
    const calendar = await admin.get('/api/v1/settings/calendar');
    expect(calendar.status).toBe(200);
    expect(calendar.headers.get('etag')).toBe('"calendar.v1"');
    expect(calendar.body.calendars[0]).toMatchObject({ id: 'default', timeZone: 'Asia/Shanghai' });
  });

  it('stores a change sent with If-Match, answers the new ETag, and new tickets follow it', async () => {
    const chat = {
      id: 'chat-quick',
      description: 'online chat answers within 5 minutes',
      match: { channels: ['chat'] },
      calendar: 'default',
      targets: Object.fromEntries(
        ['L1', 'L2', 'L3'].map((level) => [
          level,
          {
            firstResponse: { clock: 'calendar', minutes: 5 },
            plan: { clock: 'calendar', minutes: 60 },
            progressEvery: { clock: 'calendar', minutes: 1440 },
            resolution: { clock: 'business', workingDays: 1 },
          },
        ]),
      ),
    };
    const changed = { ...sla, policies: [chat, ...sla.policies] };
    const response = await put(admin, 'sla', changed, etag);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(changed);
    const newEtag = response.headers.get('etag')!;
    expect(newEtag).toBe('"sla.v2"');
    const read = await admin.get('/api/v1/settings/sla');
    expect(read.headers.get('etag')).toBe(newEtag);
    expect(read.body).toEqual(changed);

    const feedback = await agent.post('/api/v1/feedback', {
      channel: 'chat',
      customer: { phone: '13900001234' },
      type: 'consultation',
      description: '请问保修期多久',
    });
    expect(feedback.status).toBe(201);
    const ticket = await pollUntil(
      () => agent.get(`/api/v1/tickets/${feedback.body.ticketNo}`),
      (r) => r.status === 200,
      { what: 'ticket' },
    );
    const received = new Date(ticket.body.receivedAt).getTime();
    expect(ticket.body.slaPolicy).toBe('chat-quick');
    expect(new Date(ticket.body.due.firstResponse).getTime() - received).toBe(5 * 60_000);
    expect(ticket.body.due.resolution).toEqual(expect.any(String));
    expect(ticket.body.slaState).toBe('due_soon'); // 5 minutes left, inside the 15-minute window
    sla = changed;
    etag = newEtag;
  });

  it('answers 412 to a stale If-Match and 428 to none, changing nothing', async () => {
    expectProblem(await put(admin, 'sla', sla, '"sla.v1"'), 412, 'PRECONDITION_FAILED');
    expectProblem(await put(admin, 'sla', sla), 428, 'PRECONDITION_REQUIRED');
    expect((await admin.get('/api/v1/settings/sla')).headers.get('etag')).toBe(etag);
  });

  it('answers 403 to an agent', async () => {
    expectProblem(await agent.get('/api/v1/settings/sla'), 403, 'FORBIDDEN');
    expectProblem(await put(agent, 'sla', sla, etag), 403, 'FORBIDDEN');
    expectProblem(await agent.get('/api/v1/settings/calendar'), 403, 'FORBIDDEN');
  });

  it('answers 400 with field errors to invalid documents, changing nothing', async () => {
    const unknownCalendar = {
      ...sla,
      policies: sla.policies.map((p, i) => (i === 0 ? { ...p, calendar: 'mars' } : p)),
    };
    const bad = await put(admin, 'sla', unknownCalendar, etag);
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ field: 'policies.0.calendar', message: 'no calendar with id mars' }]);

    const empty = await put(admin, 'sla', { ...sla, policies: [] }, etag);
    expectProblem(empty, 400, 'VALIDATION_FAILED');
    expect(empty.body.errors).toEqual([expect.objectContaining({ field: 'policies' })]);

    const calendar = await admin.get('/api/v1/settings/calendar');
    const [cn] = calendar.body.calendars as Record<string, unknown>[];
    const badWindow = {
      calendars: [
        {
          ...cn,
          weeklyWindows: {
            ...(cn.weeklyWindows as object),
            1: [
              { start: '09:00', end: '12:00' },
              { start: '11:00', end: '25:00' },
            ],
          },
        },
      ],
    };
    const refused = await put(admin, 'calendar', badWindow, calendar.headers.get('etag')!);
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: expect.stringMatching(/^calendars\.0\.weeklyWindows\.1\[1\]/) }),
      ]),
    );

    expect(await admin.get('/api/v1/settings/sla')).toMatchObject({ status: 200, body: sla });
    const after = await admin.get('/api/v1/settings/calendar');
    expect(after.headers.get('etag')).toBe('"calendar.v1"');
    expect(after.body).toEqual(calendar.body);
  });

  it('answers 404 for a settings document nobody owns', async () => {
    expectProblem(await admin.get('/api/v1/settings/nothing'), 404, 'NOT_FOUND');
  });
});

describe('intake rules as settings: classification (I2, I4), ticket numbers (I3), recording', () => {
  it('classifies new feedback by a rule an admin adds, with If-Match', async () => {
    const current = await admin.get('/api/v1/settings/classification');
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"classification.v0"');
    const document = current.body as { rules: Record<string, unknown>[] } & Record<string, unknown>;
    const changed = {
      ...document,
      rules: [{ id: 'l1-gas', when: { keywordsAny: ['燃气味'] }, set: { level: 'L1' } }, ...document.rules],
    };
    const saved = await put(admin, 'classification', changed, current.headers.get('etag')!);
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe('"classification.v1"');

    // Replicas re-read settings within seconds: poll until the new rule classifies.
    const response = await pollUntil(
      () =>
        agent.post('/api/v1/feedback', {
          channel: 'hotline',
          customer: { phone: `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
          type: 'consultation',
          description: '厨房里有燃气味，怎么办',
        }),
      (r) => r.status === 201 && r.body.level === 'L1',
      { what: 'the new rule applied', timeoutMs: 20_000, intervalMs: 1_000 },
    );
    expect(response.body.level).toBe('L1');
  });

  it('refuses rules that name unknown categories and a time zone that does not exist, changing nothing', async () => {
    const current = await admin.get('/api/v1/settings/classification');
    const etag = current.headers.get('etag')!;
    const bad = {
      ...current.body,
      rules: [{ id: 'to-nowhere', when: { keywordsAny: ['x'] }, set: { category: 'product.unknown' } }],
    };
    const refused = await put(admin, 'classification', bad, etag);
    expectProblem(refused, 400, 'VALIDATION_FAILED');
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'rules.0.set.category' })]);
    expect((await admin.get('/api/v1/settings/classification')).headers.get('etag')).toBe(etag);

    const numbers = await admin.get('/api/v1/settings/ticket-numbers');
    expect(numbers.body).toEqual({ timeZone: 'Asia/Shanghai', minDigits: 4 });
    const zone = await put(
      admin,
      'ticket-numbers',
      { timeZone: 'Asia/Atlantis', minDigits: 4 },
      numbers.headers.get('etag')!,
    );
    expectProblem(zone, 400, 'VALIDATION_FAILED');
    expect(zone.body.errors).toEqual([expect.objectContaining({ field: 'timeZone' })]);
  });

  it('lets the admin change how far back receivedAt may lie, and refuses agents', async () => {
    const recording = await admin.get('/api/v1/settings/recording');
    expect(recording.body).toEqual({ maxBackdateHours: 168, maxClockSkewSeconds: 120 });
    expectProblem(await agent.get('/api/v1/settings/recording'), 403, 'FORBIDDEN');
    const saved = await put(
      admin,
      'recording',
      { maxBackdateHours: 720, maxClockSkewSeconds: 120 },
      recording.headers.get('etag')!,
    );
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ maxBackdateHours: 720, maxClockSkewSeconds: 120 });
  });
});
