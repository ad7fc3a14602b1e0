import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A periodic job's claim on one period (`improvement-cases`, `2026-W48`): inserted in the transaction that
 * does the work, so the work of a period commits once however many replicas try, and is retried when the
 * transaction fails.
 */
@Entity({ name: 'scheduled_runs' })
export class ScheduledRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  job!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  period!: string;

  @Column({ name: 'ran_at', type: 'timestamptz' })
  ranAt!: Date;
}
