import { compileCalendar, defaultChinaCalendar } from '@closeloop/calendar';
import { DomainError } from '@closeloop/contracts';
import type { SlaSettings, SlaTargets } from '../settings/sla-settings';
import type { TicketEntity } from './entities/ticket.entity';
import * as transitions from './transitions';
import type { ChangeContext, TicketRules } from './transitions';

const china = compileCalendar({ ...defaultChinaCalendar(), id: 'default' });
const sh = (local: string) => new Date(`${local}:00+08:00`);
const minutes = (m: number) => ({ clock: 'calendar' as const, minutes: m });

/** 001's L2 row: 30 min / 4 h, progress every 24 h, no resolution target (the plan says by when). */
const r1L2: SlaTargets = { firstResponse: minutes(30), plan: minutes(240), progressEvery: minutes(1440) };
const withResolution: SlaTargets = { ...r1L2, resolution: { clock: 'business', workingDays: 5 } };

function rules(targets: SlaTargets = r1L2): TicketRules {
  return {
    targets,
    calendar: china,
    lifecycle: {
      confirmation: { autoAfterWorkingDays: 5, outcome: 'close' },
      archiveAfterDays: 30,
      calendar: 'default',
    },
    lifecycleCalendar: china,
  };
}

const actor = '7d1f0a8e-5b8a-4c6e-9d51-3f1e2b7a9c10';
const ctx = (now: string, targets?: SlaTargets): ChangeContext => ({
  now: sh(now),
  actor,
  rules: rules(targets),
  newNonce: () => 'nonce-0123456789abcdef',
});

/** An L2 ticket received Monday 2026-11-23 09:00 (Shanghai). */
function ticket(overrides: Partial<TicketEntity> = {}): TicketEntity {
  return {
    id: 'a3c4e7f0-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
    ticketNo: '202611230001',
    feedbackId: 'b3c4e7f0-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
    customerId: 'c3c4e7f0-1b2d-4e5f-8a9b-0c1d2e3f4a5b',
    type: 'complaint',
    category: 'product.defect',
    level: 'L2',
    channel: 'phone',
    segment: null,
    status: 'classified',
    department: 'after-sales',
    assignee: null,
    slaPolicy: 'r1-default',
    slaCalendar: 'default',
    slaTargets: r1L2,
    receivedAt: sh('2026-11-23T09:00'),
    dueFirstResponse: sh('2026-11-23T09:30'),
    duePlan: sh('2026-11-23T13:00'),
    dueResolution: null,
    nextProgressDue: sh('2026-11-24T09:00'),
    round: 0,
    respondedAt: null,
    plannedAt: null,
    planWhat: null,
    planOwner: null,
    planDueBy: null,
    planUpdatedAt: null,
    lastProgressAt: null,
    progressSeq: 0,
    resolvedAt: null,
    resolutionSummary: null,
    autoCloseAt: null,
    confirmNonce: null,
    confirmedAt: null,
    closedAt: null,
    closeReasonCode: null,
    closeReason: null,
    archivedAt: null,
    pausedAt: null,
    nextDueAt: null,
    nextAlertAt: null,
    escalationLevel: 0,
    claimedFen: null,
    compensationFen: null,
    version: 1,
    createdAt: sh('2026-11-23T09:00'),
    updatedAt: sh('2026-11-23T09:00'),
    ...overrides,
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('respond (R1)', () => {
  it('records the first response, in time, and starts the work', () => {
    const t = ticket();
    const change = transitions.respond(t, ctx('2026-11-23T09:20'), { note: '已致电客户' });
    expect(t).toMatchObject({ status: 'in_progress', respondedAt: sh('2026-11-23T09:20') });
    expect(change.completed).toEqual([
      expect.objectContaining({ metric: 'firstResponse', seq: 0, met: true }),
    ]);
    expect(change.events[0].data).toMatchObject({ met: true, status: 'in_progress', actorId: actor });
    expect(change.data).toEqual({ note: '已致电客户', met: true });
  });

  it('records a late response as missed, and refuses a second one', () => {
    const t = ticket();
    expect(transitions.respond(t, ctx('2026-11-23T09:31'), {}).completed[0].met).toBe(false);
    expect(refusal(() => transitions.respond(t, ctx('2026-11-23T09:40'), {}))).toBe(
      'TICKET.INVALID_TRANSITION',
    );
  });
});

describe('plan (R4)', () => {
  it('is also the first response when none was recorded; its "by when" becomes the resolution due time', () => {
    const t = ticket();
    const change = transitions.plan(t, ctx('2026-11-23T10:00'), {
      what: '上门更换门锁',
      dueBy: '2026-11-25T10:00:00.000Z',
    });
    expect(change.completed.map((m) => [m.metric, m.met])).toEqual([
      ['firstResponse', false],
      ['plan', true],
    ]);
    expect(t).toMatchObject({
      planOwner: actor,
      planWhat: '上门更换门锁',
      dueResolution: new Date('2026-11-25T10:00:00.000Z'),
    });
    expect(change.action).toBe('planned');
  });

  it('a revised plan counts nothing again, and moves the resolution due time only while it has not passed', () => {
    const t = ticket();
    transitions.plan(t, ctx('2026-11-23T10:00'), { what: 'a', dueBy: '2026-11-24T02:00:00.000Z' });
    const revised = transitions.plan(t, ctx('2026-11-23T11:00'), {
      what: 'b',
      dueBy: '2026-11-25T02:00:00.000Z',
    });
    expect(revised.action).toBe('replanned');
    expect(revised.completed).toEqual([]);
    expect(t.dueResolution).toEqual(new Date('2026-11-25T02:00:00.000Z'));
    transitions.plan(t, ctx('2026-11-25T12:00'), { what: 'c', dueBy: '2026-11-27T02:00:00.000Z' });
    expect(t.dueResolution).toEqual(new Date('2026-11-25T02:00:00.000Z')); // passed: a breach stays
  });

  it('keeps the policy resolution due time when the policy sets one', () => {
    const t = ticket({ slaTargets: withResolution, dueResolution: sh('2026-11-30T18:00') });
    transitions.plan(t, ctx('2026-11-23T10:00', withResolution), {
      what: 'a',
      dueBy: '2026-12-05T02:00:00.000Z',
    });
    expect(t.dueResolution).toEqual(sh('2026-11-30T18:00'));
  });

  it('refuses a plan due in the past', () => {
    expect(
      refusal(() =>
        transitions.plan(ticket(), ctx('2026-11-23T10:00'), { what: 'a', dueBy: '2026-11-23T01:00:00.000Z' }),
      ),
    ).toBe('VALIDATION_FAILED');
  });
});

describe('progress (R5)', () => {
  it('moves the next update one interval from now and records whether this one was in time', () => {
    const t = ticket({ respondedAt: sh('2026-11-23T09:10') });
    const early = transitions.progress(t, ctx('2026-11-23T18:00'), { note: '配件已发出' });
    expect(early.completed).toEqual([expect.objectContaining({ metric: 'progress', seq: 0, met: true })]);
    expect(t).toMatchObject({ progressSeq: 1, nextProgressDue: sh('2026-11-24T18:00') });
    const late = transitions.progress(t, ctx('2026-11-24T19:00'), { note: '仍在处理' });
    expect(late.completed).toEqual([expect.objectContaining({ metric: 'progress', seq: 1, met: false })]);
    expect(t.nextProgressDue).toEqual(sh('2026-11-25T19:00'));
  });
});

describe('resolve, confirm, object (R6) and the R9 deadline', () => {
  it('completes every open metric, sets the automatic outcome 5 working days later and a link nonce', () => {
    const t = ticket({ respondedAt: sh('2026-11-23T09:10') });
    const change = transitions.resolve(t, ctx('2026-11-23T11:00'), { summary: '已更换门锁' });
    expect(change.completed.map((m) => m.metric)).toEqual(['plan', 'progress']);
    expect(t).toMatchObject({
      status: 'resolved',
      autoCloseAt: sh('2026-11-30T18:00'), // Monday + 5 working days, at the close
      confirmNonce: 'nonce-0123456789abcdef',
    });
    expect(change.events[0].data).not.toHaveProperty('met'); // no resolution due time to meet
  });

  it('resolving while paused first moves the stopped due times, so the pause never counts against the agent', () => {
    const t = ticket({ respondedAt: sh('2026-11-23T09:10'), pausedAt: sh('2026-11-23T10:00') });
    const change = transitions.resolve(t, ctx('2026-11-23T15:30'), { summary: 'done' });
    // Plan was due 13:00; 5.5 h paused moves it to 18:30: resolving at 15:30 meets it.
    expect(change.completed.find((m) => m.metric === 'plan')).toMatchObject({
      met: true,
      dueAt: sh('2026-11-23T18:30'),
    });
    expect(t.pausedAt).toBeNull();
  });

  it('an objection reopens with new plan, progress and resolution due times counted from the objection', () => {
    const t = ticket({ slaTargets: withResolution, respondedAt: sh('2026-11-23T09:10') });
    transitions.resolve(t, ctx('2026-11-23T11:00', withResolution), { summary: 'x' });
    const change = transitions.object(t, ctx('2026-11-24T10:00', withResolution), 'link', {
      reason: '还是坏的',
    });
    expect(t).toMatchObject({
      status: 'reopened',
      round: 1,
      plannedAt: null,
      resolvedAt: null,
      confirmNonce: null,
      duePlan: sh('2026-11-24T14:00'),
      nextProgressDue: sh('2026-11-25T10:00'),
      dueResolution: sh('2026-12-01T18:00'),
      respondedAt: sh('2026-11-23T09:10'), // the first response stays answered
    });
    expect(change.events[0].data).toMatchObject({ via: 'link', round: 1, customerId: t.customerId });
  });

  it('confirms only a resolved ticket', () => {
    const t = ticket();
    expect(refusal(() => transitions.confirm(t, ctx('2026-11-23T10:00'), 'agent', {}))).toBe(
      'TICKET.INVALID_TRANSITION',
    );
    transitions.resolve(t, ctx('2026-11-23T10:00'), { summary: 'x' });
    const change = transitions.confirm(t, ctx('2026-11-23T12:00'), 'agent', {});
    expect(t).toMatchObject({ status: 'confirmed', confirmNonce: null, autoCloseAt: null });
    expect(change.events[0].data).toMatchObject({
      type: 'complaint',
      category: 'product.defect',
      level: 'L2',
      department: 'after-sales',
      via: 'agent',
    });
  });
});

describe('close (R9), archive, pause, amounts', () => {
  it('closes an open or resolved ticket with its reason, never a settled one', () => {
    const t = ticket();
    const change = transitions.close(t, ctx('2026-11-23T10:00'), {
      reasonCode: 'duplicate',
      reason: '与 202611230002 重复',
    });
    expect(t).toMatchObject({ status: 'closed', closeReasonCode: 'duplicate' });
    expect(change.events[0].data).toMatchObject({ reasonCode: 'duplicate', automatic: false });
    expect(change.events[0].data).not.toHaveProperty('reason'); // free text never leaves routing
    expect(
      refusal(() => transitions.close(t, ctx('2026-11-23T11:00'), { reasonCode: 'other', reason: 'again' })),
    ).toBe('TICKET.INVALID_TRANSITION');
    transitions.archive(t, ctx('2026-12-23T10:00'));
    expect(t.status).toBe('archived');
  });

  it('archives only confirmed or closed tickets', () => {
    expect(refusal(() => transitions.archive(ticket(), ctx('2026-11-23T10:00')))).toBe(
      'TICKET.INVALID_TRANSITION',
    );
  });

  it('pauses once and resumes once', () => {
    const t = ticket();
    transitions.pause(t, ctx('2026-11-23T09:10'), { reason: '等待客户提供发票' });
    expect(refusal(() => transitions.pause(t, ctx('2026-11-23T09:20'), { reason: 'again' }))).toBe(
      'TICKET.INVALID_TRANSITION',
    );
    const change = transitions.resume(t, ctx('2026-11-23T10:10'), {});
    expect(change.data).toMatchObject({ pausedMs: 3_600_000 });
    expect(t.dueFirstResponse).toEqual(sh('2026-11-23T10:30'));
    expect(refusal(() => transitions.resume(t, ctx('2026-11-23T10:20'), {}))).toBe(
      'TICKET.INVALID_TRANSITION',
    );
  });

  it('records amounts in fen; undefined keeps, null clears, nothing given is refused', () => {
    const t = ticket();
    transitions.setAmounts(t, ctx('2026-11-23T10:00'), { claimedFen: 129_900 });
    transitions.setAmounts(t, ctx('2026-11-23T10:05'), { compensationFen: 5_000 });
    expect(t).toMatchObject({ claimedFen: 129_900, compensationFen: 5_000 });
    transitions.setAmounts(t, ctx('2026-11-23T10:06'), { claimedFen: null });
    expect(t.claimedFen).toBeNull();
    expect(refusal(() => transitions.setAmounts(t, ctx('2026-11-23T10:07'), {}))).toBe('VALIDATION_FAILED');
  });
});

describe('reclassify (I4)', () => {
  const r1L1: SlaTargets = { firstResponse: minutes(10), plan: minutes(120), progressEvery: minutes(1440) };
  /** 001's table by level; consultations by any channel get a business-time policy (004's "ordinary"). */
  const sla = {
    dueSoonMinutes: 15,
    policies: [
      {
        id: 'ordinary',
        calendar: 'default',
        match: { types: ['consultation'] },
        targets: {
          L1: { ...r1L1, resolution: { clock: 'business', workingDays: 3 } },
          L2: { ...r1L2, resolution: { clock: 'business', workingDays: 5 } },
          L3: { ...r1L2, resolution: { clock: 'business', workingDays: 7 } },
        },
      },
      {
        id: 'r1-default',
        calendar: 'default',
        match: {},
        targets: { L1: r1L1, L2: r1L2, L3: { ...r1L2, firstResponse: minutes(120) } },
      },
    ],
  } as unknown as SlaSettings;
  const policy = (past: Partial<transitions.ReclassifyContext> = {}): transitions.ReclassifyContext => ({
    sla,
    calendars: (id) => (id === 'default' ? china : undefined),
    roundStartedAt: sh('2026-11-23T09:00'),
    pauses: [],
    ...past,
  });
  const reason = '客户描述的是安全隐患';

  it('a new level re-promises every open due time from receipt and says so in the event', () => {
    const t = ticket();
    const change = transitions.reclassify(t, ctx('2026-11-23T09:05'), { level: 'L1', reason }, policy());
    expect(t).toMatchObject({
      level: 'L1',
      slaPolicy: 'r1-default',
      slaTargets: r1L1,
      dueFirstResponse: sh('2026-11-23T09:10'),
      duePlan: sh('2026-11-23T11:00'),
      dueResolution: null,
      nextProgressDue: sh('2026-11-24T09:00'),
    });
    expect(change.action).toBe('reclassified');
    expect(change.events[0].data).toMatchObject({
      level: 'L1',
      type: 'complaint',
      category: 'product.defect',
      previous: { type: 'complaint', category: 'product.defect', level: 'L2' },
      due: {
        firstResponse: sh('2026-11-23T09:10').toISOString(),
        plan: sh('2026-11-23T11:00').toISOString(),
      },
    });
    expect(change.data).toMatchObject({ reason, slaPolicy: 'r1-default', previous: { level: 'L2' } });
    expect(JSON.stringify(change.events[0].data)).not.toContain(reason);
  });

  it('a new type can choose another policy (R1), with its business-time resolution', () => {
    const t = ticket();
    transitions.reclassify(t, ctx('2026-11-23T09:05'), { type: 'consultation', reason }, policy());
    // Received Monday: the close of the fifth working day after it is the next Monday's.
    expect(t).toMatchObject({ slaPolicy: 'ordinary', dueResolution: sh('2026-11-30T18:00') });
  });

  it('keeps what is met: an answered first response and a made plan keep their due times', () => {
    const t = ticket({
      respondedAt: sh('2026-11-23T09:20'),
      plannedAt: sh('2026-11-23T10:00'),
      planDueBy: sh('2026-11-25T18:00'),
      dueResolution: sh('2026-11-25T18:00'),
    });
    transitions.reclassify(t, ctx('2026-11-23T10:30'), { level: 'L1', reason }, policy());
    expect(t).toMatchObject({
      dueFirstResponse: sh('2026-11-23T09:30'),
      duePlan: sh('2026-11-23T13:00'),
      // No resolution target in the new policy: the plan's "by when" stays the promise (R4).
      dueResolution: sh('2026-11-25T18:00'),
    });
  });

  it('counts a reopened round from the objection, the progress from the last update, and re-applies ended pauses', () => {
    const t = ticket({
      round: 1,
      status: 'reopened',
      respondedAt: sh('2026-11-23T09:20'),
      lastProgressAt: sh('2026-11-24T15:00'),
    });
    transitions.reclassify(
      t,
      ctx('2026-11-24T16:00'),
      { level: 'L1', reason },
      policy({
        roundStartedAt: sh('2026-11-24T10:00'),
        pauses: [{ from: sh('2026-11-24T10:30'), to: sh('2026-11-24T11:30') }],
      }),
    );
    expect(t).toMatchObject({
      dueFirstResponse: sh('2026-11-23T09:30'),
      // Objection 10:00 + 2 h, moved by the hour the customer kept us waiting.
      duePlan: sh('2026-11-24T13:00'),
      // From the 15:00 update, after the pause: not moved by it.
      nextProgressDue: sh('2026-11-25T15:00'),
    });
  });

  it('a new category alone keeps the promise; nothing new or a settled ticket is refused', () => {
    const t = ticket();
    const change = transitions.reclassify(
      t,
      ctx('2026-11-23T09:05'),
      { category: 'service.attitude', reason },
      policy(),
    );
    expect(t).toMatchObject({
      category: 'service.attitude',
      slaPolicy: 'r1-default',
      duePlan: sh('2026-11-23T13:00'),
    });
    expect(change.data).not.toHaveProperty('due');
    expect(
      refusal(() =>
        transitions.reclassify(ticket(), ctx('2026-11-23T09:05'), { level: 'L2', reason }, policy()),
      ),
    ).toBe('VALIDATION_FAILED');
    expect(
      refusal(() =>
        transitions.reclassify(
          ticket({ status: 'confirmed' }),
          ctx('2026-11-23T09:05'),
          { level: 'L1', reason },
          policy(),
        ),
      ),
    ).toBe('TICKET.INVALID_TRANSITION');
  });
});
