/**
 * The first walk through the running platform (gateway, intake, routing as separate processes, real
 * Postgres and JetStream): feedback in, ticket out, event to partners. Rules I3-I6, R1, R2.
 */
import { randomUUID } from 'node:crypto';
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  startPlatform,
  type ApiResponse,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(120_000);

let platform: RunningPlatform;
let anonymous: Api;
let admin: Api;
let agent: Api;
let partner: PartnerConsumer;

const R1_MINUTES = { L1: [10, 120], L2: [30, 240], L3: [120, 1440] } as const;

function feedback(overrides: Record<string, unknown> = {}) {
  return {
    channel: 'hotline',
    customer: { name: '王小明', phone: `139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
    type: 'complaint',
    description: '洗衣机用了一周就坏了，门打不开',
    emotion: 'upset',
    ...overrides,
  };
}

function shanghaiDate(instant: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(instant).replace(/-/g, '');
}

async function feedbackCount(): Promise<number> {
  const [row] = await platform.db.query<{ n: string }>('SELECT count(*) AS n FROM intake.feedback');
  return Number(row.n);
}

beforeAll(async () => {
  platform = await startPlatform('walk', {
    env: { LOGIN_RATE_LIMIT_PER_MINUTE: '8', BODY_LIMIT_BYTES: '16384' },
  });
  anonymous = new Api(platform.gatewayUrl);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
  const created = await admin.post('/api/v1/users', {
    email: 'agent@e2e.test',
    displayName: 'Agent One',
    password: 'agent-password-1',
    roles: ['agent'],
    // R3 dispatch puts each ticket in a department; agents read the tickets of theirs (the seeded four).
    departments: ['customer-service', 'technical-support', 'after-sales', 'finance'],
  });
  expect(created.status).toBe(201);
  agent = await anonymous.login('agent@e2e.test', 'agent-password-1');
  partner = await PartnerConsumer.start(platform.prefix, 'partner-walk', 'ticket.opened.v1');
});

afterAll(async () => {
  await partner?.stop();
  await platform?.stop();
});

describe('the walk: feedback -> ticket with due times -> event', () => {
  it('records a feedback, answers with its ticket number, and routing opens the ticket with R1 due times', async () => {
    const before = new Date();
    const response = await agent.post('/api/v1/feedback', feedback());
    expect(response.status).toBe(201);
    const created = response.body;
    expect(Object.keys(created).sort()).toEqual([
      'category',
      'customerId',
      'id',
      'level',
      'ticketNo',
      'type',
    ]);
    expect(created.ticketNo).toMatch(new RegExp(`^${shanghaiDate(before)}\\d{4,}$`)); // I3
    expect(created).toMatchObject({ type: 'complaint', category: 'product.defect', level: 'L2' }); // I4

    const ticket = await pollUntil(
      () => agent.get(`/api/v1/tickets/${created.ticketNo}`),
      (r) => r.status === 200,
      { what: 'ticket readable by number' },
    );
    const body = ticket.body;
    expect(body).toMatchObject({
      ticketNo: created.ticketNo,
      status: 'classified',
      level: 'L2',
      type: 'complaint',
      category: 'product.defect',
      department: 'technical-support',
      assignee: null,
      customerId: created.customerId,
      slaPolicy: 'r1-default',
    });
    const received = new Date(body.receivedAt).getTime();
    expect(received).toBeGreaterThanOrEqual(before.getTime() - 1000);
    const [firstResponse, plan] = R1_MINUTES.L2;
    expect(new Date(body.due.firstResponse).getTime() - received).toBe(firstResponse * 60_000); // R1, R2
    expect(new Date(body.due.plan).getTime() - received).toBe(plan * 60_000);
    // R3: a product defect goes to technical support, where nobody is on shift yet: it waits in the queue.
    expect(body.history.map((h: { action: string }) => h.action)).toEqual(['opened', 'queued']);

    const event = await pollUntil(
      () => Promise.resolve(partner.events.find((e) => e.data.ticketNo === created.ticketNo)),
      (e) => e !== undefined,
      { what: 'ticket.opened.v1 seen by the partner' },
    );
    expect(event!.type).toBe('ticket.opened.v1');
    expect(event!.data).toMatchObject({ ticketNo: created.ticketNo, level: 'L2', feedbackId: created.id });
  });

  it('classifies a safety complaint as L1 with the L1 due times', async () => {
    const response = await agent.post(
      '/api/v1/feedback',
      feedback({ description: '热水器漏电，孩子差点触电' }),
    );
    expect(response.status).toBe(201);
    expect(response.body.level).toBe('L1');
    const ticket = await pollUntil(
      () => agent.get(`/api/v1/tickets/${response.body.ticketNo}`),
      (r) => r.status === 200,
    );
    const received = new Date(ticket.body.receivedAt).getTime();
    expect(new Date(ticket.body.due.firstResponse).getTime() - received).toBe(R1_MINUTES.L1[0] * 60_000);
    expect(new Date(ticket.body.due.plan).getTime() - received).toBe(R1_MINUTES.L1[1] * 60_000);
  });

  it('counts the due times from a stated earlier receivedAt, and refuses one in the future or too old', async () => {
    const receivedAt = new Date(Date.now() - 3 * 3_600_000);
    receivedAt.setMilliseconds(0);
    const response = await agent.post(
      '/api/v1/feedback',
      feedback({ channel: 'store_comment_book', receivedAt: receivedAt.toISOString() }),
    );
    expect(response.status).toBe(201);
    expect(response.body.ticketNo).toMatch(new RegExp(`^${shanghaiDate(new Date())}`)); // I3: recorded today
    const ticket = await pollUntil(
      () => agent.get(`/api/v1/tickets/${response.body.ticketNo}`),
      (r) => r.status === 200,
    );
    expect(ticket.body.receivedAt).toBe(receivedAt.toISOString());
    expect(new Date(ticket.body.due.firstResponse).getTime() - receivedAt.getTime()).toBe(
      R1_MINUTES.L2[0] * 60_000,
    );
    expect(ticket.body.slaState).toBe('breached'); // 3 h ago: the 30 min first response has passed

    const before = await feedbackCount();
    const future = await agent.post(
      '/api/v1/feedback',
      feedback({ receivedAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect(future.status).toBe(400);
    expect(future.body.errors).toEqual([expect.objectContaining({ field: 'receivedAt' })]);
    const old = await agent.post(
      '/api/v1/feedback',
      feedback({ receivedAt: new Date(Date.now() - 169 * 3_600_000).toISOString() }), // seeded limit: 168 h
    );
    expect(old.status).toBe(400);
    expect(await feedbackCount()).toBe(before);
  });

  it('joins one customer whatever the phone format (I5)', async () => {
    const ids = [];
    for (const phone of ['13800138000', '+86 138 0013 8000', '138-0013-8000']) {
      const response = await agent.post('/api/v1/feedback', feedback({ customer: { phone } }));
      expect(response.status).toBe(201);
      ids.push(response.body.customerId);
    }
    expect(new Set(ids).size).toBe(1);
    const rows = await platform.db.query<{ value_enc: string }>(
      'SELECT value_enc FROM intake.customer_contacts',
    );
    expect(rows.some((row) => row.value_enc.includes('13800138000'))).toBe(false); // X1: stored encrypted
  });
});

describe('idempotency (I6)', () => {
  it('answers the same Idempotency-Key with the first answer: one feedback, one ticket, one event', async () => {
    const key = `key-${randomUUID()}`;
    const body = feedback();
    const first = await agent.post('/api/v1/feedback', body, { 'Idempotency-Key': key });
    const second = await agent.post('/api/v1/feedback', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const rows = await platform.db.query('SELECT id FROM intake.feedback WHERE idempotency_key = $1', [key]);
    expect(rows).toHaveLength(1);
    const outbox = await platform.db.query(
      `SELECT id FROM intake.outbox WHERE envelope->'data'->>'feedbackId' = $1`,
      [first.body.id],
    );
    expect(outbox).toHaveLength(1);
    await pollUntil(
      () => platform.db.query('SELECT id FROM routing.tickets WHERE ticket_no = $1', [first.body.ticketNo]),
      (r) => r.length === 1,
    );
    await pollUntil(
      async () => partner.events.filter((e) => e.data.ticketNo === first.body.ticketNo).length,
      (n) => n === 1,
      { what: 'one ticket.opened.v1' },
    );
  });

  it('answers the same channel message id with the first answer even without a key', async () => {
    const channelMessageId = `wx-${randomUUID()}`;
    const body = feedback({ channel: 'wechat', channelMessageId });
    const first = await agent.post('/api/v1/feedback', body);
    const second = await agent.post('/api/v1/feedback', { ...body, description: 'resent by the channel' });
    expect(second.body.ticketNo).toBe(first.body.ticketNo);
    const rows = await platform.db.query('SELECT id FROM intake.feedback WHERE channel_message_id = $1', [
      channelMessageId,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('refuses a key reused for a different request with 422 and stores nothing', async () => {
    const key = `key-${randomUUID()}`;
    await agent.post('/api/v1/feedback', feedback(), { 'Idempotency-Key': key });
    const count = await feedbackCount();
    const reused = await agent.post('/api/v1/feedback', feedback({ description: 'something else' }), {
      'Idempotency-Key': key,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(await feedbackCount()).toBe(count);
  });
});

describe('concurrency (I3)', () => {
  it('gives 200 simultaneous submissions 200 distinct ticket numbers, and opens 200 tickets', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        agent.post('/api/v1/feedback', feedback({ description: `并发 ${i}` })),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201));
    const numbers = new Set(responses.map((r) => r.body.ticketNo));
    expect(numbers.size).toBe(200);
    await pollUntil(
      async () => {
        const rows = await platform.db.query<{ n: string }>(
          'SELECT count(*) AS n FROM routing.tickets WHERE ticket_no = ANY($1)',
          [[...numbers]],
        );
        return Number(rows[0].n);
      },
      (n) => n === 200,
      { timeoutMs: 30_000, what: '200 tickets' },
    );
  });
});

describe('bad input gets 400 problem+json and stores nothing', () => {
  const cases: [string, () => Promise<ApiResponse>, number, string, string | null][] = [
    [
      'a missing field',
      () => agent.post('/api/v1/feedback', { ...feedback(), description: undefined }),
      400,
      'VALIDATION_FAILED',
      'description',
    ],
    [
      'a wrong type',
      () => agent.post('/api/v1/feedback', feedback({ type: 42 })),
      400,
      'VALIDATION_FAILED',
      'type',
    ],
    [
      'an unknown field',
      () => agent.post('/api/v1/feedback', feedback({ priority: 'high' })),
      400,
      'VALIDATION_FAILED',
      'priority',
    ],
    [
      'an unknown nested field',
      () => agent.post('/api/v1/feedback', feedback({ customer: { phone: '13800138000', idCard: 'x' } })),
      400,
      'VALIDATION_FAILED',
      'customer.idCard',
    ],
    [
      'a NUL character, which Postgres cannot store',
      () => agent.post('/api/v1/feedback', feedback({ description: "late\u0000'); --" })),
      400,
      'VALIDATION_FAILED',
      'description',
    ],
    [
      'a lone UTF-16 surrogate, which is not Unicode text (issue 14.4)',
      () => agent.post('/api/v1/feedback', feedback({ description: 'parcel \ud83d lost' })),
      400,
      'VALIDATION_FAILED',
      'description',
    ],
    [
      'an oversize field',
      () => agent.post('/api/v1/feedback', feedback({ description: 'x'.repeat(4001) })),
      400,
      'VALIDATION_FAILED',
      'description',
    ],
    [
      'an invalid phone',
      () => agent.post('/api/v1/feedback', feedback({ customer: { phone: '12345' } })),
      400,
      'VALIDATION_FAILED',
      'customer.phone',
    ],
    [
      'a category outside the taxonomy',
      () => agent.post('/api/v1/feedback', feedback({ category: 'weather.rain' })),
      400,
      'VALIDATION_FAILED',
      'category',
    ],
    [
      'malformed JSON',
      () => agent.raw('POST', '/api/v1/feedback', '{"channel": "hotline",'),
      400,
      'MALFORMED_JSON',
      null,
    ],
    ['a JSON array', () => agent.raw('POST', '/api/v1/feedback', '[1,2]'), 400, 'VALIDATION_FAILED', null],
    [
      'a body over the size limit',
      () =>
        agent.raw('POST', '/api/v1/feedback', JSON.stringify(feedback({ description: 'x'.repeat(20_000) }))),
      413,
      'PAYLOAD_TOO_LARGE',
      null,
    ],
    [
      'a bad Idempotency-Key',
      () => agent.post('/api/v1/feedback', feedback(), { 'Idempotency-Key': 'short' }),
      400,
      'VALIDATION_FAILED',
      'Idempotency-Key',
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code, field) => {
    const before = await feedbackCount();
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status,
      code,
      type: expect.stringMatching(/^urn:closeloop:problem:/),
    });
    expect(response.body.correlationId).toEqual(expect.any(String));
    if (field) expect(response.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await feedbackCount()).toBe(before);
  });
});

describe('errors and access', () => {
  it('answers an unknown ticket with 404 problem+json', async () => {
    const response = await agent.get('/api/v1/tickets/209901019999');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({
      code: 'TICKET.NOT_FOUND',
      type: 'urn:closeloop:problem:ticket.not-found',
    });
  });

  it('answers a malformed ticket number with 400', async () => {
    const response = await agent.get('/api/v1/tickets/abc');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe('ticketNo');
  });

  it('answers no token and a bad token with 401', async () => {
    const none = await anonymous.post('/api/v1/feedback', feedback());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await anonymous.withToken('not.a.token').get('/api/v1/tickets/209901019999');
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers an agent on an admin route with 403', async () => {
    const response = await agent.post('/api/v1/users', {
      email: 'x@e2e.test',
      displayName: 'X',
      password: 'long-enough-password',
      roles: ['admin'],
    });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });

  it('serves health without a token and OpenAPI at /api/docs', async () => {
    expect((await anonymous.get('/health')).body).toMatchObject({
      status: 'ok',
      checks: { postgres: 'up', nats: 'up' },
    });
    expect((await anonymous.get('/livez')).body).toEqual({ status: 'ok' });
    const spec = await anonymous.get('/api/docs-json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/feedback', '/api/v1/tickets/{ticketNo}', '/api/v1/auth/token']),
    );
  });
});

describe('correlation id', () => {
  it('travels from the HTTP request through NATS into the log lines of intake and routing', async () => {
    // Several at once: routing opens the tickets of a consumer batch together, each in its own context.
    const ids = Array.from({ length: 6 }, () => `e2e-${randomUUID()}`);
    const responses = await Promise.all(
      ids.map((correlationId) =>
        agent.post('/api/v1/feedback', feedback(), { 'x-correlation-id': correlationId }),
      ),
    );
    responses.forEach((response, i) => expect(response.headers.get('x-correlation-id')).toBe(ids[i]));
    const opened = (correlationId: string) =>
      platform.logs.find(
        (l) =>
          l.service === 'routing' && l.line.includes(correlationId) && l.line.includes('"ticket opened"'),
      );
    await pollUntil(
      async () =>
        ids.filter(
          (id) => opened(id) && platform.logs.some((l) => l.service === 'intake' && l.line.includes(id)),
        ),
      (found) => found.length === ids.length,
      { what: 'log lines with each correlation id in intake and routing' },
    );
    ids.forEach((correlationId, i) => {
      expect(JSON.parse(opened(correlationId)!.line)).toMatchObject({
        correlationId,
        msg: 'ticket opened',
        ticketNo: responses[i].body.ticketNo,
      });
    });
  });
});

describe('rate limiting', () => {
  it('slows password guessing: token requests beyond the limit get 429 problem+json', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await anonymous.post('/api/v1/auth/token', { email: ADMIN.email, password: 'wrong' })).status,
      );
    }
    expect(statuses).toContain(401);
    expect(statuses[statuses.length - 1]).toBe(429);
  });
});
