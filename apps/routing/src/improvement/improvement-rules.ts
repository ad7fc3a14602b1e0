import type { ImprovementCaseOpenedV1, ImprovementCaseV1, PriorityBand } from '@closeloop/contracts';
import type { ImprovementCaseEntity } from './entities/improvement-case.entity';
import type { ImprovementPriority } from '../settings/improvement-settings';
import type { RunFigures } from './improvement.repository';

/**
 * R8: "priority weighs customers affected and money at stake" (002: 影响客户数量、影响合作金额):
 * points per customer plus points per 1,000 yuan, banded high / medium / low (settings `improvement.priority`).
 */
export function priorityOf(
  figures: Pick<RunFigures, 'customerIds' | 'amountAtStakeFen'>,
  weights: ImprovementPriority,
): { priority: number; priorityBand: PriorityBand } {
  const raw =
    figures.customerIds.length * weights.perCustomer +
    (figures.amountAtStakeFen / 100_000) * weights.perThousandYuan;
  const priority = Math.round(raw * 100) / 100;
  const priorityBand: PriorityBand =
    priority >= weights.highAt ? 'high' : priority >= weights.mediumAt ? 'medium' : 'low';
  return { priority, priorityBand };
}

/**
 * The categories whose count was above `threshold` in every one of `weeks` (a run): R8's "running high
 * N weeks in a row". `counts` are tickets per category and week.
 */
export function runningHigh(
  counts: readonly { category: string; week: string; tickets: number }[],
  weeks: readonly string[],
  threshold: number,
): Map<string, { week: string; tickets: number }[]> {
  const byCategory = new Map<string, Map<string, number>>();
  for (const { category, week, tickets } of counts) {
    const perWeek = byCategory.get(category) ?? new Map<string, number>();
    perWeek.set(week, tickets);
    byCategory.set(category, perWeek);
  }
  const running = new Map<string, { week: string; tickets: number }[]>();
  for (const [category, perWeek] of [...byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    const series = weeks.map((week) => ({ week, tickets: perWeek.get(week) ?? 0 }));
    if (series.every(({ tickets }) => tickets > threshold)) running.set(category, series);
  }
  return running;
}

/** The event payload of a case (figures and ids only). */
export function caseEvent(entity: ImprovementCaseEntity): ImprovementCaseV1 {
  return {
    caseId: entity.id,
    category: entity.category,
    status: entity.status,
    firstWeek: entity.firstWeek,
    lastWeek: entity.lastWeek,
    weeks: entity.weeks,
    ticketCount: entity.ticketCount,
    customersAffected: entity.customerIds.length,
    amountAtStakeFen: entity.amountAtStakeFen,
    departments: entity.departments,
    priority: entity.priority,
    priorityBand: entity.priorityBand,
  };
}

export function openedEvent(entity: ImprovementCaseEntity): ImprovementCaseOpenedV1 {
  return { ...caseEvent(entity), openedAt: entity.openedAt.toISOString() };
}
