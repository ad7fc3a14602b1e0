import { compileCalendar, defaultChinaCalendar } from '@closeloop/calendar';
import {
  alertsDue,
  dueAfterPause,
  nextAlertAt,
  nextDue,
  nextWorkAt,
  openMetrics,
  ticketSlaState,
  type AlertTiming,
  type ClockTicket,
  type MetricClocks,
} from './sla-clock';

const china = compileCalendar({ ...defaultChinaCalendar(), id: 'default' });
/** Shanghai wall time (UTC+8, no DST) as an instant. */
const sh = (local: string) => new Date(`${local}:00+08:00`);
const MIN = 60_000;

function ticket(overrides: Partial<ClockTicket> = {}): ClockTicket {
  return {
    status: 'classified',
    pausedAt: null,
    round: 0,
    respondedAt: null,
    dueFirstResponse: sh('2026-11-23T10:10'),
    plannedAt: null,
    duePlan: sh('2026-11-23T12:00'),
    resolvedAt: null,
    dueResolution: null,
    nextProgressDue: sh('2026-11-24T10:00'),
    progressSeq: 0,
    ...overrides,
  };
}

const timing: AlertTiming = { warnBeforeMs: 15 * MIN, escalateEveryMs: 120 * MIN, maxLevel: 2 };

describe('open and running metrics (R2)', () => {
  it('lists what is still owed, with the sequence numbers outcomes are keyed by', () => {
    const t = ticket({ round: 1, progressSeq: 3, respondedAt: sh('2026-11-23T10:01') });
    expect(openMetrics(t)).toEqual([
      { metric: 'plan', seq: 1, dueAt: t.duePlan },
      { metric: 'progress', seq: 3, dueAt: t.nextProgressDue },
    ]);
    expect(nextDue(t)).toEqual(t.duePlan);
  });

  it.each(['resolved', 'confirmed', 'closed', 'archived'] as const)('owes nothing once %s', (status) => {
    expect(openMetrics(ticket({ status }))).toEqual([]);
    expect(nextDue(ticket({ status }))).toBeNull();
  });

  it('stops every clock not yet due while waiting on the customer, but never hides a breach', () => {
    const paused = ticket({ pausedAt: sh('2026-11-23T10:30') }); // first response was due 10:10
    expect(nextDue(paused)).toEqual(sh('2026-11-23T10:10'));
    expect(ticketSlaState(paused, sh('2026-11-23T11:00'), 15)).toBe('breached');
    const inTime = ticket({ pausedAt: sh('2026-11-23T10:05') });
    expect(nextDue(inTime)).toBeNull();
    // Days later the frozen due times are still not breached: their clocks do not run.
    expect(ticketSlaState(inTime, sh('2026-11-26T10:00'), 15)).toBe('paused');
  });

  it('is due soon inside the warning window and on track before it', () => {
    expect(ticketSlaState(ticket(), sh('2026-11-23T09:54'), 15)).toBe('on_track');
    expect(ticketSlaState(ticket(), sh('2026-11-23T09:55'), 15)).toBe('due_soon');
    expect(ticketSlaState(ticket(), sh('2026-11-23T10:10'), 15)).toBe('breached');
  });
});

describe('alerts (R7): warning, breach, escalation up the levels', () => {
  const t = ticket({ duePlan: sh('2026-11-23T14:00'), nextProgressDue: null });
  const kinds = (now: string) =>
    alertsDue(t, sh(now), timing).map((a) => `${a.metric}:${a.kind}${a.escalationLevel || ''}`);

  it('fires nothing before the warning window', () => {
    expect(kinds('2026-11-23T09:54')).toEqual([]);
    expect(nextAlertAt(t, sh('2026-11-23T09:54'), timing)).toEqual(sh('2026-11-23T09:55'));
  });

  it('warns inside the window; the next alert is the breach', () => {
    expect(kinds('2026-11-23T09:55')).toEqual(['firstResponse:warning']);
    expect(nextAlertAt(t, sh('2026-11-23T09:55'), timing)).toEqual(sh('2026-11-23T10:10'));
  });

  it('breaches at the due time and escalates to level 1 with it; level 2 one interval later', () => {
    expect(kinds('2026-11-23T10:10')).toEqual(['firstResponse:breach', 'firstResponse:escalation1']);
    expect(nextAlertAt(t, sh('2026-11-23T10:10'), timing)).toEqual(sh('2026-11-23T12:10'));
    expect(kinds('2026-11-23T12:10')).toEqual([
      'firstResponse:breach',
      'firstResponse:escalation1',
      'firstResponse:escalation2',
    ]);
  });

  it('stops at the highest level; other metrics keep their own alerts', () => {
    const after = sh('2026-11-23T13:50');
    expect(kinds('2026-11-23T13:50')).toEqual([
      'firstResponse:breach',
      'firstResponse:escalation1',
      'firstResponse:escalation2',
      'plan:warning',
    ]);
    expect(nextAlertAt(t, after, timing)).toEqual(sh('2026-11-23T14:00'));
    const responded = { ...t, respondedAt: sh('2026-11-23T13:00') };
    expect(nextAlertAt(responded, sh('2026-11-23T16:00'), timing)).toBeNull(); // plan at level 2 already
  });

  it('gives a due time already passed no warning (a ticket recorded after the fact)', () => {
    expect(kinds('2026-11-23T10:30')).toEqual(['firstResponse:breach', 'firstResponse:escalation1']);
  });

  it('after a change, looks again at once when an alert is already due (nothing is assumed fired)', () => {
    expect(nextWorkAt(t, sh('2026-11-23T10:30'), timing)).toEqual(sh('2026-11-23T10:30'));
    expect(nextWorkAt(t, sh('2026-11-23T09:00'), timing)).toEqual(sh('2026-11-23T09:55'));
  });

  it('schedules the R9 automatic outcome and archiving as well', () => {
    const resolved = ticket({ status: 'resolved' });
    expect(nextAlertAt(resolved, sh('2026-11-23T10:00'), timing, [sh('2026-11-30T18:00'), null])).toEqual(
      sh('2026-11-30T18:00'),
    );
    expect(nextAlertAt(resolved, sh('2026-11-23T10:00'), timing)).toBeNull();
  });
});

describe('pause: due times move by the paused span on their own clock', () => {
  const calendarClocks: MetricClocks = {
    firstResponse: 'calendar',
    plan: 'calendar',
    progress: 'calendar',
    resolution: 'calendar',
  };
  const businessClocks: MetricClocks = {
    firstResponse: 'business',
    plan: 'business',
    progress: 'business',
    resolution: 'business',
  };

  it('calendar clock: by the elapsed span, breached and finished metrics untouched', () => {
    const t = ticket({
      respondedAt: sh('2026-11-23T10:05'),
      duePlan: sh('2026-11-23T12:00'),
      pausedAt: sh('2026-11-23T11:00'),
      dueResolution: sh('2026-11-23T10:30'), // breached before the pause: stays
    });
    const moved = dueAfterPause(t, sh('2026-11-23T14:30'), calendarClocks, china);
    expect(moved.duePlan).toEqual(sh('2026-11-23T15:30'));
    expect(moved.nextProgressDue).toEqual(sh('2026-11-24T13:30'));
    expect(moved.dueResolution).toEqual(sh('2026-11-23T10:30'));
    expect(moved.dueFirstResponse).toEqual(t.dueFirstResponse);
  });

  it('business clock across the lunch break: 11:30-14:00 is 1 h of office time', () => {
    const t = ticket({ duePlan: sh('2026-11-23T16:00'), pausedAt: sh('2026-11-23T11:30') });
    const moved = dueAfterPause(t, sh('2026-11-23T14:00'), businessClocks, china);
    expect(moved.duePlan).toEqual(sh('2026-11-23T17:00'));
  });

  it('business clock over a weekend: Friday 17:00 to Monday 10:00 is 2 h; 17:30 Monday becomes Tuesday 10:30', () => {
    const t = ticket({ duePlan: sh('2026-11-23T17:30'), pausedAt: sh('2026-11-20T17:00') });
    const moved = dueAfterPause(t, sh('2026-11-23T10:00'), businessClocks, china);
    expect(moved.duePlan).toEqual(sh('2026-11-24T10:30')); // 30 min Monday + 1.5 h Tuesday
  });

  it('business clock across National Day 2025: a pause inside the holiday moves nothing', () => {
    const t = ticket({
      dueFirstResponse: sh('2025-10-09T10:00'),
      duePlan: sh('2025-10-10T10:00'),
      nextProgressDue: null,
      pausedAt: sh('2025-10-02T09:00'),
    });
    const moved = dueAfterPause(t, sh('2025-10-07T18:00'), businessClocks, china);
    expect(moved.dueFirstResponse).toEqual(sh('2025-10-09T10:00'));
    expect(moved.duePlan).toEqual(sh('2025-10-10T10:00'));
  });

  it('business clock: a pause from 09-30 16:00 to 10-09 10:00 (across the holiday) is 3 h', () => {
    const t = ticket({
      dueFirstResponse: sh('2025-10-09T17:00'),
      duePlan: sh('2025-10-10T17:00'),
      nextProgressDue: null,
      pausedAt: sh('2025-09-30T16:00'),
    });
    const moved = dueAfterPause(t, sh('2025-10-09T10:00'), businessClocks, china);
    expect(moved.dueFirstResponse).toEqual(sh('2025-10-10T11:00')); // 1 h 09th + 2 h on the 10th
    // 10-10 17:00 + 3 h: 1 h on Friday, then the make-up Saturday 10-11 from 09:00.
    expect(moved.duePlan).toEqual(sh('2025-10-11T11:00'));
  });

  it('a pause that ends at once moves nothing', () => {
    const t = ticket({ pausedAt: sh('2026-11-23T10:00') });
    expect(dueAfterPause(t, sh('2026-11-23T10:00'), businessClocks, china)).toMatchObject({
      duePlan: t.duePlan,
      dueFirstResponse: t.dueFirstResponse,
    });
  });
});
