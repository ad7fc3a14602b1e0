import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { localDateOf } from '@closeloop/calendar';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import { ImprovementEvents } from '@closeloop/contracts';
import { parseWeek, weekBefore, weekOfDate, type BusinessWeek } from '../compliance/business-week';
import type { RoutingEnv } from '../routing.env';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';
import type { ImprovementCaseEntity } from './entities/improvement-case.entity';
import { caseEvent, openedEvent, priorityOf, runningHigh } from './improvement-rules';
import type { ImprovementSettings } from '../settings/improvement-settings';
import { ImprovementRepository } from './improvement.repository';

const log = createLogger('improvement');
const JOB = 'improvement-cases';
/** How many closed weeks a routing that was down longer still evaluates when it is back. */
const CATCH_UP_WEEKS = 8;

/**
 * R8: after each business week closes, finds the complaint categories that ran above the threshold for
 * the configured weeks in a row and opens one improvement case per run (a run that goes on extends its
 * case). The week is claimed in `scheduled_runs` in the same transaction, so it is evaluated once however
 * many replicas run, and again after a failure. Weeks that closed while routing was down entirely are
 * evaluated when it is back, oldest first (at most `CATCH_UP_WEEKS`), so a run of weeks is never missed.
 */
@Injectable()
export class ImprovementDetectorService {
  /** The last week this process saw evaluated: saves a database round trip on every tick. */
  private evaluated: string | undefined;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: ImprovementRepository,
    private readonly settings: RoutingSettingsRepository,
  ) {}

  /** Looks every SLA_SWEEP_INTERVAL_MS (0: off; tests call it with their instant) whether a week closed. */
  @ScheduledJob('improvement-cases', { every: (env: RoutingEnv) => env.SLA_SWEEP_INTERVAL_MS })
  async run(now = new Date()): Promise<{ week: string; opened: number; extended: number } | null> {
    const settings = await this.settings.get('improvement');
    const calendar = (await this.settings.calendars())(settings.calendar);
    if (!calendar) throw new Error(`improvement calendar ${settings.calendar} is missing`);
    const closed = weekBefore(weekOfDate(localDateOf(calendar, now)), 1);
    if (this.evaluated === closed.week) return null;
    let last: { week: string; opened: number; extended: number } | null = null;
    for (const week of await this.weeksToEvaluate(closed)) {
      const result = await this.uow.run(async (tx) => {
        if (!(await this.repository.claimRun(tx.manager, JOB, week.week, now))) return null;
        return this.evaluate(tx, week, settings, calendar.timeZone, now);
      });
      if (result && (result.opened || result.extended)) log.info(result, 'improvement cases');
      last = result ?? last;
    }
    this.evaluated = closed.week;
    return last;
  }

  /** The closed weeks not evaluated yet, oldest first: after the last claimed one, up to `closed`. */
  private async weeksToEvaluate(closed: BusinessWeek): Promise<BusinessWeek[]> {
    const lastRun = await this.repository.lastRun(JOB);
    const weeks = [closed];
    // The first run ever looks at the week that just closed only (no history to catch up with).
    if (lastRun === null || lastRun >= closed.week) return weeks;
    for (let n = 1; n < CATCH_UP_WEEKS; n++) {
      const week = weekBefore(closed, n);
      if (week.week <= lastRun) break;
      weeks.unshift(week);
    }
    return weeks;
  }

  private async evaluate(
    tx: Tx,
    closed: BusinessWeek,
    settings: ImprovementSettings,
    timeZone: string,
    now: Date,
  ): Promise<{ week: string; opened: number; extended: number }> {
    const n = settings.consecutiveWeeks;
    const first = weekBefore(closed, n - 1);
    const weeks = Array.from({ length: n }, (_, i) => weekBefore(closed, n - 1 - i).week);
    const counts = await this.repository.weeklyCounts(
      tx.manager,
      settings.types,
      timeZone,
      first.monday,
      closed.nextMonday,
    );
    const result = { week: closed.week, opened: 0, extended: 0 };
    const previous = weekBefore(closed, 1).week;
    for (const [category, series] of runningHigh(counts, weeks, settings.weeklyThreshold)) {
      const existing = await this.repository.lockRunEndingIn(tx.manager, category, [closed.week, previous]);
      if (existing?.lastWeek === closed.week) continue;
      if (existing) {
        await this.extend(tx, existing, closed, series[series.length - 1].tickets, settings, timeZone, now);
        result.extended += 1;
      } else {
        await this.open(tx, category, first, closed, series, settings, timeZone, now);
        result.opened += 1;
      }
    }
    return result;
  }

  private async open(
    tx: Tx,
    category: string,
    first: BusinessWeek,
    closed: BusinessWeek,
    weekly: { week: string; tickets: number }[],
    settings: ImprovementSettings,
    timeZone: string,
    now: Date,
  ): Promise<void> {
    const figures = await this.repository.runFigures(
      tx.manager,
      category,
      settings.types,
      timeZone,
      first.monday,
      closed.nextMonday,
    );
    const entity: ImprovementCaseEntity = {
      id: randomUUID(),
      category,
      types: settings.types,
      status: 'open',
      firstWeek: first.week,
      lastWeek: closed.week,
      weeks: weekly.length,
      weekly,
      ...figures,
      ...priorityOf(figures, settings.priority),
      ownerId: null,
      plan: null,
      dueBy: null,
      openedAt: now,
      updatedAt: now,
      version: 1,
    };
    await this.repository.insert(tx.manager, entity);
    await this.repository.addHistory(tx.manager, {
      caseId: entity.id,
      at: now,
      actor: null,
      action: 'opened',
      data: { weekly, threshold: settings.weeklyThreshold },
    });
    await tx.publish(ImprovementEvents.opened, openedEvent(entity));
  }

  /** The run went on: one more week, figures over the whole run, a resolved case back to open. */
  private async extend(
    tx: Tx,
    entity: ImprovementCaseEntity,
    closed: BusinessWeek,
    tickets: number,
    settings: ImprovementSettings,
    timeZone: string,
    now: Date,
  ): Promise<void> {
    const figures = await this.repository.runFigures(
      tx.manager,
      entity.category,
      entity.types,
      timeZone,
      parseWeek(entity.firstWeek).monday,
      closed.nextMonday,
    );
    const reopened = entity.status === 'resolved';
    const saved = await this.repository.save(tx.manager, {
      ...entity,
      status: reopened ? 'open' : entity.status,
      lastWeek: closed.week,
      weeks: entity.weeks + 1,
      weekly: [...entity.weekly, { week: closed.week, tickets }],
      ...figures,
      ...priorityOf(figures, settings.priority),
      updatedAt: now,
    });
    await this.repository.addHistory(tx.manager, {
      caseId: entity.id,
      at: now,
      actor: null,
      action: reopened ? 'reopened' : 'extended',
      data: { week: closed.week, tickets },
    });
    await tx.publish(ImprovementEvents.updated, {
      ...caseEvent(saved),
      ownerId: saved.ownerId,
      changedBy: null,
      changedAt: now.toISOString(),
    });
  }
}
