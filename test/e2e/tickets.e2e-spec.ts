/**
 * Tickets through the gateway, as agents, supervisors and customers use them (issue 4): due times of an
 * L1 complaint opened Friday 17:50 (R1, R2), the whole lifecycle with an objection through the customer's
 * confirmation link (R4-R6, R9), versions (If-Match: 412 stale, 428 missing), department scoping (404 on
 * another department's ticket), reclassification by an agent (I4), lists, weekly compliance (R7).
 */
import { addBusinessDuration, compileCalendar, defaultChinaCalendar } from '@closeloop/calendar';
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  startPlatform,
  type ApiResponse,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(180_000);

let platform: RunningPlatform;
let anonymous: Api;
let admin: Api;
let agentA: Api; // technical support
let agentB: Api; // finance
let lead: Api; // supervises technical support
let analyst: Api;
let partner: PartnerConsumer;

const MIN = 60_000;
const china = compileCalendar({ ...defaultChinaCalendar(), id: 'default' });

function expectProblem(response: ApiResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, correlationId: expect.any(String) });
}

/** The latest Friday 17:50 in Shanghai at or before now (within the 168 h a feedback may be back-dated). */
function lastFriday1750(): Date {
  const now = Date.now();
  for (let days = 0; days <= 7; days++) {
    const local = new Date(now + 8 * 3_600_000 - days * 86_400_000); // Shanghai wall clock as UTC fields
    if (local.getUTCDay() !== 5) continue;
    const at = new Date(`${local.toISOString().slice(0, 10)}T17:50:00+08:00`);
    if (at.getTime() <= now - MIN) return at;
  }
  throw new Error('no Friday 17:50 in the last week');
}

let phone = 13_700_000_000;
async function submit(api: Api, body: Record<string, unknown>): Promise<string> {
  phone += 1;
  const response = await api.post('/api/v1/feedback', {
    channel: 'hotline',
    customer: { phone: String(phone) },
    type: 'complaint',
    category: 'product.defect', // R3: dispatched to technical support, agent A's department
    description: '洗衣机门打不开',
    ...body,
  });
  expect(response.status).toBe(201);
  await pollUntil(
    () => admin.get(`/api/v1/tickets/${response.body.ticketNo}`),
    (r) => r.status === 200,
    { what: `ticket ${response.body.ticketNo}` },
  );
  return response.body.ticketNo as string;
}

/** A ticket command with the ETag of the caller's current read. */
async function act(api: Api, ticketNo: string, action: string, body: unknown = {}): Promise<ApiResponse> {
  const current = await api.get(`/api/v1/tickets/${ticketNo}`);
  expect(current.status).toBe(200);
  return api.post(`/api/v1/tickets/${ticketNo}/${action}`, body, {
    'if-match': current.headers.get('etag')!,
  });
}

async function createAgent(email: string, roles: string[], departmentIds: string[]): Promise<Api> {
  const created = await admin.post('/api/v1/org/agents', {
    email,
    displayName: email.split('@')[0],
    password: 'e2e-password-123',
    roles,
    capacity: 0, // takes no tickets by assignment: these tests work the queue by hand
    departmentIds,
  });
  expect(created.status).toBe(201);
  return anonymous.login(email, 'e2e-password-123');
}

beforeAll(async () => {
  platform = await startPlatform('tickets', { env: { SLA_SWEEP_INTERVAL_MS: '500' } });
  anonymous = new Api(platform.gatewayUrl);
  admin = await anonymous.login(ADMIN.email, ADMIN.password);
  agentA = await createAgent('a@tickets.test', ['agent'], ['technical-support']);
  agentB = await createAgent('b@tickets.test', ['agent'], ['finance']);
  lead = await createAgent('lead@tickets.test', ['supervisor'], ['technical-support']);
  const created = await admin.post('/api/v1/users', {
    email: 'analyst@tickets.test',
    displayName: 'Analyst',
    password: 'e2e-password-123',
    roles: ['analyst'],
  });
  expect(created.status).toBe(201);
  analyst = await anonymous.login('analyst@tickets.test', 'e2e-password-123');
  partner = await PartnerConsumer.start(platform.prefix, 'partner-tickets', 'ticket.>');
});

afterAll(async () => {
  await partner?.stop();
  await platform?.stop();
});

describe('due times (R1, R2)', () => {
  it('an L1 complaint opened Friday 17:50 is due a response at 18:00 and a plan at 19:50 (calendar time)', async () => {
    const friday = lastFriday1750();
    const ticketNo = await submit(agentA, {
      description: '热水器漏电，家里有小孩',
      receivedAt: friday.toISOString(),
    });
    const { body } = await agentA.get(`/api/v1/tickets/${ticketNo}`);
    expect(body).toMatchObject({ level: 'L1', slaPolicy: 'r1-default', receivedAt: friday.toISOString() });
    expect(body.due).toEqual({
      firstResponse: new Date(friday.getTime() + 10 * MIN).toISOString(), // Friday 18:00
      plan: new Date(friday.getTime() + 120 * MIN).toISOString(), // Friday 19:50: urgent work does not wait
      progress: new Date(friday.getTime() + 24 * 60 * MIN).toISOString(), // Saturday 17:50
    });
    expect(body.slaState).toBe('breached'); // recorded after the fact: both have passed
  });

  it('the same complaint under an office-hours policy is due at the close on Friday and on Monday morning', async () => {
    const current = await admin.get('/api/v1/settings/sla');
    const business = (minutes: number) => ({ clock: 'business', minutes });
    const officeHours = {
      id: 'l1-app-office-hours',
      match: { levels: ['L1'], channels: ['app'] },
      calendar: 'default',
      targets: {
        L1: { firstResponse: business(10), plan: business(120), progressEvery: business(1440) },
      },
    };
    const saved = await admin.request(
      'PUT',
      '/api/v1/settings/sla',
      { ...current.body, policies: [officeHours, ...current.body.policies] },
      { 'if-match': current.headers.get('etag')! },
    );
    expect(saved.status).toBe(200);
    const friday = lastFriday1750();
    const ticketNo = await submit(agentA, {
      channel: 'app',
      description: '热水器漏电，家里有小孩',
      receivedAt: friday.toISOString(),
    });
    const { body } = await agentA.get(`/api/v1/tickets/${ticketNo}`);
    expect(body.slaPolicy).toBe('l1-app-office-hours');
    // 09:00-12:00 / 13:30-18:00, China holidays: on an ordinary weekend 18:00 Friday and 10:50 Monday.
    expect(body.due.firstResponse).toBe(addBusinessDuration(china, friday, 10 * MIN).toISOString());
    const plan = addBusinessDuration(china, friday, 120 * MIN);
    expect(body.due.plan).toBe(plan.toISOString());
    const monday1050 = new Date(friday.getTime() + (3 * 24 * 60 - 7 * 60) * MIN);
    expect(plan.getTime()).toBeGreaterThanOrEqual(monday1050.getTime()); // later only across a holiday
  });
});

describe('the lifecycle (R4-R6, R9)', () => {
  it('walks respond, plan, progress, pause, resume, resolve, objection by link, resolve, confirmation by link', async () => {
    const ticketNo = await submit(agentA, { description: '洗衣机用了一周就坏了' });
    const get = () => agentA.get(`/api/v1/tickets/${ticketNo}`);
    expect((await get()).body).toMatchObject({ department: 'technical-support', status: 'classified' });

    let step = await act(agentA, ticketNo, 'respond', { note: '已致电客户' });
    expect(step.status).toBe(200);
    expect(step.headers.get('etag')).toBe(`"v${step.body.version}"`);
    expect(step.body).toMatchObject({ status: 'in_progress', respondedAt: expect.any(String) });
    const dueBy = new Date(Date.now() + 2 * 24 * 60 * MIN).toISOString();
    step = await act(agentA, ticketNo, 'plan', { what: '明天上门检修', dueBy });
    expect(step.body.plan).toMatchObject({ what: '明天上门检修', dueBy });
    expect(step.body.due.resolution).toBe(dueBy); // R4: the plan says by when (001 sets no resolution time)
    step = await act(agentA, ticketNo, 'progress', { note: '工程师已出发' });
    expect(step.status).toBe(200);
    step = await act(agentA, ticketNo, 'pause', { reason: '等待客户确认上门时间' });
    expect(step.body).toMatchObject({ slaState: 'paused', pausedSince: expect.any(String) });
    step = await act(agentA, ticketNo, 'resume', {});
    expect(step.body.pausedSince).toBeNull();
    step = await act(agentA, ticketNo, 'resolve', { summary: '已更换门锁，<b>测试正常</b>' });
    expect(step.body).toMatchObject({ status: 'resolved', autoCloseAt: expect.any(String) });

    // The customer's link: a public page, no login, answered once.
    const link = await agentA.post(`/api/v1/tickets/${ticketNo}/confirmation-link`, {});
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({
      path: expect.stringMatching(new RegExp(`^/c/${ticketNo}\\.[\\w-]{22}\\.[0-9a-z]+\\.[\\w-]{22}$`)),
      expiresAt: step.body.autoCloseAt,
    });
    expect(link.body.url).toMatch(/^http:\/\/127\.0\.0\.1:3000\/c\//);
    const page = await anonymous.get(link.body.path);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.body).toContain(ticketNo);
    expect(page.body).toContain('已更换门锁，&#60;b&#62;测试正常&#60;/b&#62;'); // escaped, never markup
    expect(page.body).not.toContain(String(phone)); // nothing about the customer

    const objected = await anonymous.raw(
      'POST',
      link.body.path,
      'answer=object&comment=%E8%BF%98%E6%98%AF%E5%9D%8F%E7%9A%84',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(objected.status).toBe(200);
    expect(objected.body).toContain('已收到您的反馈');
    const reopened = (await get()).body;
    expect(reopened).toMatchObject({ status: 'reopened', round: 1 });
    expect(reopened.history.at(-1)).toMatchObject({
      action: 'objected',
      actor: null,
      data: { via: 'link', reason: '还是坏的' },
    });
    const used = await anonymous.get(link.body.path);
    expect(used.status).toBe(410);
    const again = await anonymous.raw('POST', link.body.path, 'answer=confirm', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(again.status).toBe(410);
    expect((await get()).body.status).toBe('reopened'); // the spent link changed nothing

    await act(agentA, ticketNo, 'plan', { what: '更换整机', dueBy });
    await act(agentA, ticketNo, 'resolve', { summary: '已更换整机' });
    const second = await agentA.post(`/api/v1/tickets/${ticketNo}/confirmation-link`, {});
    const signature = second.body.path.slice(-22);
    const tampered = `${second.body.path.slice(0, -22)}${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect((await anonymous.get(tampered)).status).toBe(404);
    const confirmed = await anonymous.raw('POST', second.body.path, 'answer=confirm&comment=', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toContain('感谢您的确认');
    const done = (await get()).body;
    expect(done).toMatchObject({ status: 'confirmed', confirmedAt: expect.any(String) });
    expect(done.history.map((h: { action: string }) => h.action)).toEqual([
      'opened',
      'queued',
      'responded',
      'planned',
      'progressed',
      'paused',
      'resumed',
      'resolved',
      'objected',
      'planned',
      'resolved',
      'confirmed',
    ]);
    expect(done.outcomes.every((o: { met: boolean }) => o.met)).toBe(true);

    // Partners see the objection (churn risk, G1) and the confirmation (surveys, S1), with ids only.
    const events = await pollUntil(
      () => Promise.resolve(partner.events.filter((e) => e.data.ticketNo === ticketNo)),
      (seen) => seen.some((e) => e.type === 'ticket.confirmed.v1'),
      { what: 'ticket.confirmed.v1' },
    );
    expect(events.find((e) => e.type === 'ticket.objected.v1')!.data).toMatchObject({
      customerId: done.customerId,
      via: 'link',
      round: 1,
      objectedAt: expect.any(String),
    });
    expect(events.find((e) => e.type === 'ticket.confirmed.v1')!.data).toMatchObject({
      customerId: done.customerId,
      ticketNo,
      type: 'complaint',
      category: 'product.defect',
      level: done.level,
      department: 'technical-support',
      assigneeId: null,
      via: 'link',
    });
    expect(JSON.stringify(events)).not.toContain('还是坏的');

    // Filed by the supervisor.
    const archived = await act(lead, ticketNo, 'archive', {});
    expect(archived.body.status).toBe('archived');
  });

  it('closes without confirmation only with a stated reason (R9)', async () => {
    const ticketNo = await submit(agentA, { type: 'consultation', description: '保修期多久' });
    const missing = await act(agentA, ticketNo, 'close', { reasonCode: 'duplicate' });
    expectProblem(missing, 400, 'VALIDATION_FAILED');
    expect(new Set(missing.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['reason']));
    const closed = await act(agentA, ticketNo, 'close', { reasonCode: 'duplicate', reason: '客户重复来电' });
    expect(closed.body).toMatchObject({
      status: 'closed',
      closeReason: { code: 'duplicate', text: '客户重复来电' },
    });
    expectProblem(await act(agentA, ticketNo, 'respond', {}), 409, 'TICKET.INVALID_TRANSITION');
  });
});

describe('versions and access', () => {
  it('answers a stale If-Match with 412 and a missing one with 428, changing nothing', async () => {
    const ticketNo = await submit(agentA, {});
    const read = await agentA.get(`/api/v1/tickets/${ticketNo}`);
    const etag = read.headers.get('etag')!;
    expect((await agentA.post(`/api/v1/tickets/${ticketNo}/respond`, {}, { 'if-match': etag })).status).toBe(
      200,
    );
    const stale = await agentA.post(
      `/api/v1/tickets/${ticketNo}/plan`,
      { what: 'x', dueBy: new Date(Date.now() + 3_600_000).toISOString() },
      { 'if-match': etag },
    );
    expectProblem(stale, 412, 'PRECONDITION_FAILED');
    expectProblem(
      await agentA.post(`/api/v1/tickets/${ticketNo}/progress`, { note: 'x' }),
      428,
      'PRECONDITION_REQUIRED',
    );
    const after = await agentA.get(`/api/v1/tickets/${ticketNo}`);
    expect(after.body).toMatchObject({ plan: null, version: read.body.version + 1 });
  });

  it('gives an agent of another department 404 for the ticket, as if it did not exist', async () => {
    const ticketNo = await submit(agentA, {}); // product.defect -> technical support
    expectProblem(await agentB.get(`/api/v1/tickets/${ticketNo}`), 404, 'TICKET.NOT_FOUND');
    expectProblem(await agentB.get('/api/v1/tickets/209901010001'), 404, 'TICKET.NOT_FOUND');
    expectProblem(
      await agentB.post(`/api/v1/tickets/${ticketNo}/respond`, {}, { 'if-match': '"v1"' }),
      404,
      'TICKET.NOT_FOUND',
    );
    const theirs = await agentB.get('/api/v1/tickets?limit=200');
    expect(theirs.status).toBe(200);
    expect(theirs.body.items.map((t: { ticketNo: string }) => t.ticketNo)).not.toContain(ticketNo);
    // Analysts read every ticket but change none; the supervisor of the department works it.
    expect((await analyst.get(`/api/v1/tickets/${ticketNo}`)).status).toBe(200);
    expectProblem(await act(analyst, ticketNo, 'respond', {}), 403, 'FORBIDDEN');
    expect((await act(lead, ticketNo, 'respond', {})).status).toBe(200);
  });
});

describe('reclassification (I4)', () => {
  it('an agent corrects level and category: due times follow from receipt, the ticket goes to the new department', async () => {
    const ticketNo = await submit(agentA, { description: '收费和报价不一致' });
    const read = await agentA.get(`/api/v1/tickets/${ticketNo}`);
    expect(read.body).toMatchObject({ department: 'technical-support' });
    expect(read.body.level).not.toBe('L1'); // intake's rules give a plain product defect L2 or L3
    const etag = read.headers.get('etag')!;
    const post = (body: unknown, ifMatch = etag) =>
      agentA.post(`/api/v1/tickets/${ticketNo}/reclassify`, body, { 'if-match': ifMatch });

    const bad = await post({ level: 'L9', category: 'Price', reason: '客户说的是价格问题', extra: 1 });
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['level', 'category', 'extra']),
    );
    expectProblem(await post({ level: 'L1' }), 400, 'VALIDATION_FAILED'); // no reason
    expectProblem(
      await post({ level: 'L1', reason: '客户说的是价格问题' }, '"v0"'),
      412,
      'PRECONDITION_FAILED',
    );

    const done = await post({ level: 'L1', category: 'experience.price', reason: '客户说的是价格问题' });
    expect(done.status).toBe(200);
    expect(done.headers.get('etag')).toBe(`"v${done.body.version}"`);
    expect(done.body).toMatchObject({ level: 'L1', category: 'experience.price', department: 'finance' });
    // R1 seeded L1: a first response within 10 minutes of receipt.
    const received = new Date(done.body.receivedAt).getTime();
    expect(new Date(done.body.due.firstResponse).getTime()).toBe(received + 10 * MIN);
    // R3: now finance's ticket, no longer technical support's.
    expect((await agentB.get(`/api/v1/tickets/${ticketNo}`)).status).toBe(200);
    expectProblem(await agentA.get(`/api/v1/tickets/${ticketNo}`), 404, 'TICKET.NOT_FOUND');
    const seen = await pollUntil(
      () => Promise.resolve(partner.events.filter((e) => e.data.ticketNo === ticketNo).map((e) => e.type)),
      (types) =>
        types.includes('ticket.reclassified.v1') &&
        types.filter((t) => t === 'ticket.assigned.v1').length === 2,
      { what: 'ticket.reclassified.v1 and the new assignment at the partner' },
    );
    expect(seen.indexOf('ticket.reclassified.v1')).toBeLessThan(seen.lastIndexOf('ticket.assigned.v1'));
  });
});

describe('lists, compliance, settings', () => {
  it('lists with filters and a cursor', async () => {
    const page1 = await agentA.get('/api/v1/tickets?level=L1&limit=1');
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.items[0]).toMatchObject({ level: 'L1', department: 'technical-support' });
    expect(page1.body.items[0]).not.toHaveProperty('history');
    const page2 = await agentA.get(`/api/v1/tickets?level=L1&limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].ticketNo).not.toBe(page1.body.items[0].ticketNo);
    const breached = await agentA.get(
      '/api/v1/tickets?slaState=breached&status=classified,assigned,in_progress,reopened&sort=due',
    );
    expect(breached.body.items.length).toBeGreaterThanOrEqual(2); // the Friday complaints
    expect(breached.body.items.every((t: { slaState: string }) => t.slaState === 'breached')).toBe(true);
    expectProblem(await agentA.get('/api/v1/tickets?status=lost'), 400, 'VALIDATION_FAILED');
    expectProblem(await agentA.get('/api/v1/tickets?cursor=nonsense'), 400, 'VALIDATION_FAILED');
  });

  it('reads weekly compliance as a supervisor, not as an agent', async () => {
    const view = await pollUntil(
      () => lead.get('/api/v1/sla/compliance'),
      (r) => r.status === 200 && r.body.total.due > 0,
      { what: 'compliance with recorded outcomes' },
    );
    expect(view.body).toMatchObject({
      week: expect.stringMatching(/^\d{4}-W\d{2}$/),
      timeZone: 'Asia/Shanghai',
      thresholdPercent: 80,
      departments: ['technical-support'],
    });
    expect(view.body.byLevel.map((l: { level: string }) => l.level)).toEqual(['L1', 'L2', 'L3']);
    expectProblem(await agentA.get('/api/v1/sla/compliance'), 403, 'FORBIDDEN');
  });

  it('lets an admin read and change the lifecycle, escalation, compliance and improvement settings', async () => {
    for (const key of ['lifecycle', 'escalation', 'compliance', 'improvement']) {
      const read = await admin.get(`/api/v1/settings/${key}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('etag')).toBe(`"${key}.v1"`);
    }
    const compliance = await admin.get('/api/v1/settings/compliance');
    const bad = await admin.request(
      'PUT',
      '/api/v1/settings/compliance',
      { ...compliance.body, calendar: 'mars' },
      { 'if-match': '"compliance.v1"' },
    );
    expectProblem(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.errors).toEqual([{ field: 'calendar', message: 'no calendar with id mars' }]);
    const changed = await admin.request(
      'PUT',
      '/api/v1/settings/compliance',
      { ...compliance.body, thresholdPercent: 90 },
      { 'if-match': '"compliance.v1"' },
    );
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"compliance.v2"');
    expectProblem(await lead.get('/api/v1/settings/lifecycle'), 403, 'FORBIDDEN');
    expect((await analyst.get('/api/v1/improvement-cases')).body).toEqual({ items: [], nextCursor: null });
  });
});
