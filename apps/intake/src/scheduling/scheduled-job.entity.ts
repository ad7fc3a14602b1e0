import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A recurring job (nightly segment pass, retention purge) run once however many replicas run: a replica
 * claims the row when it is due by setting a lease; a replica that dies mid-run lets the lease expire and
 * another runs the job again (every job is idempotent).
 */
@Entity({ name: 'scheduled_jobs' })
export class ScheduledJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'next_run_at', type: 'timestamptz' })
  nextRunAt!: Date;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ name: 'last_started_at', type: 'timestamptz', nullable: true })
  lastStartedAt!: Date | null;

  @Column({ name: 'last_finished_at', type: 'timestamptz', nullable: true })
  lastFinishedAt!: Date | null;

  /** The last failure's message (no values: job code logs ids only). */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'integer', default: 0 })
  runs!: number;
}
