import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { UnnestInsert } from '@closeloop/messaging';
import type { SlaOutcomeEntity } from './entities/sla-outcome.entity';

export type OutcomeRow = Omit<SlaOutcomeEntity, never>;

/** A row already there (the sweep recorded the breach) keeps its `met = false`, and gains its completion once. */
const UPSERT_OUTCOMES = new UnnestInsert<OutcomeRow>(
  'routing.sla_outcomes',
  {
    ticketId: ['ticket_id', 'uuid'],
    metric: ['metric', 'varchar'],
    seq: ['seq', 'int'],
    dueAt: ['due_at', 'timestamptz'],
    completedAt: ['completed_at', 'timestamptz'],
    met: ['met', 'boolean'],
    level: ['level', 'varchar'],
    type: ['type', 'varchar'],
    category: ['category', 'varchar'],
    department: ['department', 'varchar'],
  },
  `ON CONFLICT (ticket_id, metric, seq) DO UPDATE SET completed_at = EXCLUDED.completed_at
     WHERE sla_outcomes.completed_at IS NULL AND EXCLUDED.completed_at IS NOT NULL`,
);

/** SQL of R7's record of met and missed due times. */
@Injectable()
export class SlaOutcomeRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records outcomes in one statement. A row already there (the sweep recorded the breach) keeps its
   * `met = false` and only gains its completion time, once.
   */
  async upsert(manager: EntityManager, rows: readonly OutcomeRow[]): Promise<void> {
    await UPSERT_OUTCOMES.run(manager, rows);
  }

  async forTicket(ticketId: string): Promise<OutcomeRow[]> {
    return this.dataSource.query<OutcomeRow[]>(
      `SELECT ticket_id AS "ticketId", metric, seq, due_at AS "dueAt", completed_at AS "completedAt", met, level,
              type, category, department
       FROM routing.sla_outcomes WHERE ticket_id = $1 ORDER BY due_at, metric`,
      [ticketId],
    );
  }
}
