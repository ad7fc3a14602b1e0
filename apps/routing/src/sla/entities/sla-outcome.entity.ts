import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { FeedbackType, Level, SlaMetricName } from '@closeloop/contracts';

/**
 * R7: one due time of a ticket and whether its metric was met. Written when the metric completes (met or
 * late) or when the sweep finds it breached; weekly compliance counts these rows by their due time.
 * Level, type, category and department are copied so compliance reads one table.
 */
@Entity({ name: 'sla_outcomes' })
@Index('sla_outcomes_due_idx', ['dueAt'])
export class SlaOutcomeEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  metric!: SlaMetricName;

  /** 0 for the first response; the round for plan and resolution; the update number for progress. */
  @PrimaryColumn({ type: 'int' })
  seq!: number;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  /** When the metric was completed; null while a breached metric is still open. */
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'boolean' })
  met!: boolean;

  @Column({ type: 'varchar', length: 2 })
  level!: Level;

  @Column({ type: 'varchar', length: 16 })
  type!: FeedbackType;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  department!: string | null;
}
