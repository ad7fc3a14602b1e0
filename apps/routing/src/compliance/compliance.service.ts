import { Injectable } from '@nestjs/common';
import { localDateOf } from '@closeloop/calendar';
import {
  DomainError,
  hasRole,
  LEVELS,
  SLA_METRICS,
  type ComplianceFigures,
  type ComplianceRequest,
  type ComplianceView,
} from '@closeloop/contracts';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';
import { parseWeek, weekOfDate } from './business-week';
import { ComplianceRepository, type ComplianceRow } from './compliance.repository';

/**
 * R7, K1: weekly SLA compliance — of the due times that fell in a business week (Monday to Monday in the
 * compliance calendar's zone), the share met, per level and per category, flagged below the threshold.
 * A due time counts once it is settled: met in time, or breached (the sweep records a breach when it
 * happens, so a metric still open past its due time is already counted as missed).
 */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly repository: ComplianceRepository,
    private readonly settings: RoutingSettingsRepository,
  ) {}

  async weekly(request: ComplianceRequest): Promise<ComplianceView> {
    const { caller } = request;
    if (!hasRole(caller, 'admin', 'analyst', 'supervisor')) {
      throw new DomainError('FORBIDDEN', 'SLA compliance is for supervisors, analysts and admins');
    }
    let departments: string[] | null = request.department ? [request.department] : null;
    if (!hasRole(caller, 'admin', 'analyst')) {
      // Supervisors: their own departments' figures.
      if (request.department && !caller.departments.includes(request.department)) {
        throw new DomainError('FORBIDDEN', `you do not supervise ${request.department}`);
      }
      departments ??= caller.departments;
    }
    const compliance = await this.settings.get('compliance');
    const calendar = (await this.settings.calendars())(compliance.calendar);
    if (!calendar) throw new Error(`compliance calendar ${compliance.calendar} is missing`);
    const week = request.week ? parseWeek(request.week) : weekOfDate(localDateOf(calendar, new Date()));
    const { from, to, rows } = await this.repository.weekly(
      week.monday,
      week.nextMonday,
      calendar.timeZone,
      departments,
    );
    const threshold = compliance.thresholdPercent;
    const byLevel = LEVELS.map((level) => ({
      level,
      ...figures(
        rows.filter((r) => r.level === level),
        threshold,
      ),
    }));
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    return {
      week: week.week,
      from: from.toISOString(),
      to: to.toISOString(),
      timeZone: calendar.timeZone,
      thresholdPercent: threshold,
      departments,
      total: figures(rows, threshold),
      byLevel,
      byCategory: categories.map((category) => ({
        category,
        ...figures(
          rows.filter((r) => r.category === category),
          threshold,
        ),
      })),
    };
  }
}

function figures(rows: readonly ComplianceRow[], thresholdPercent: number): ComplianceFigures {
  const metrics = Object.fromEntries(
    SLA_METRICS.map((m) => [m, { due: 0, met: 0 }]),
  ) as ComplianceFigures['metrics'];
  let due = 0;
  let met = 0;
  for (const row of rows) {
    metrics[row.metric].due += row.due;
    metrics[row.metric].met += row.met;
    due += row.due;
    met += row.met;
  }
  const ratePercent = due === 0 ? null : Math.round((met / due) * 1000) / 10;
  return { due, met, ratePercent, flagged: ratePercent !== null && ratePercent < thresholdPercent, metrics };
}
