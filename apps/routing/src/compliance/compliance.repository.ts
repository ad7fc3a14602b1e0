import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Level, SlaMetricName } from '@closeloop/contracts';

export interface ComplianceRow {
  level: Level;
  category: string;
  metric: SlaMetricName;
  due: number;
  met: number;
}

/** SQL of weekly SLA compliance: recorded outcomes by the week their due time fell in. */
@Injectable()
export class ComplianceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Outcomes whose due time lies in [monday, nextMonday) of the zone, counted per level, category and
   * metric. Local midnights become instants in Postgres (`AT TIME ZONE`, DST-aware); sla_outcomes_due_idx.
   */
  async weekly(
    monday: string,
    nextMonday: string,
    timeZone: string,
    departments: string[] | null,
  ): Promise<{ from: Date; to: Date; rows: ComplianceRow[] }> {
    const [bounds]: { from: Date; to: Date }[] = await this.dataSource.query(
      `SELECT ($1::timestamp AT TIME ZONE $3) AS "from", ($2::timestamp AT TIME ZONE $3) AS "to"`,
      [monday, nextMonday, timeZone],
    );
    const rows: { level: Level; category: string; metric: SlaMetricName; due: number; met: number }[] =
      await this.dataSource.query(
        `SELECT level, category, metric, count(*)::int AS due, count(*) FILTER (WHERE met)::int AS met
           FROM routing.sla_outcomes
          WHERE due_at >= $1 AND due_at < $2 AND ($3::varchar[] IS NULL OR department = ANY($3))
          GROUP BY level, category, metric`,
        [bounds.from, bounds.to, departments],
      );
    return { from: bounds.from, to: bounds.to, rows };
  }
}
