import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SlaOutcomeEntity } from './entities/sla-outcome.entity';

export type OutcomeRow = Omit<SlaOutcomeEntity, never>;

/** SQL of R7's record of met and missed due times. */
@Injectable()
export class SlaOutcomeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records outcomes in one statement. A row already there (the sweep recorded the breach) keeps its
   * `met = false` and only gains its completion time, once.
   */
  async upsert(manager: EntityManager, rows: readonly OutcomeRow[]): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `INSERT INTO routing.sla_outcomes
         (ticket_id, metric, seq, due_at, completed_at, met, level, type, category, department)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::int[], $4::timestamptz[], $5::timestamptz[],
                            $6::boolean[], $7::varchar[], $8::varchar[], $9::varchar[], $10::varchar[])
       ON CONFLICT (ticket_id, metric, seq) DO UPDATE SET completed_at = EXCLUDED.completed_at
         WHERE sla_outcomes.completed_at IS NULL AND EXCLUDED.completed_at IS NOT NULL`,
      [
        rows.map((r) => r.ticketId),
        rows.map((r) => r.metric),
        rows.map((r) => r.seq),
        rows.map((r) => r.dueAt),
        rows.map((r) => r.completedAt),
        rows.map((r) => r.met),
        rows.map((r) => r.level),
        rows.map((r) => r.type),
        rows.map((r) => r.category),
        rows.map((r) => r.department),
      ],
    );
  }

  async forTicket(ticketId: string): Promise<SlaOutcomeEntity[]> {
    return this.dataSource
      .getRepository(SlaOutcomeEntity)
      .find({ where: { ticketId }, order: { dueAt: 'ASC', metric: 'ASC' } });
  }
}
