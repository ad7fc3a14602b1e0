import { Column, Entity, Index, PrimaryColumn, VersionColumn, type ValueTransformer } from 'typeorm';
import type { FeedbackType, ImprovementStatus, PriorityBand } from '@closeloop/contracts';

/** bigint and numeric columns come back from pg as strings; amounts and priorities stay far below 2^53. */
const asNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number) => Number(value),
};

/**
 * R8: a cross-department improvement case, opened once per run of weeks in which one complaint category
 * stayed above the threshold; a run that goes on extends the same case.
 */
@Entity({ name: 'improvement_cases' })
@Index('improvement_cases_run_uq', ['category', 'firstWeek'], { unique: true })
@Index('improvement_cases_priority_idx', ['priority', 'id'])
export class ImprovementCaseEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  @Column({ type: 'text', array: true })
  types!: FeedbackType[];

  @Column({ type: 'varchar', length: 16 })
  status!: ImprovementStatus;

  @Column({ name: 'first_week', type: 'varchar', length: 8 })
  firstWeek!: string;

  @Column({ name: 'last_week', type: 'varchar', length: 8 })
  lastWeek!: string;

  @Column({ type: 'int' })
  weeks!: number;

  /** Tickets per week of the run. */
  @Column({ type: 'jsonb' })
  weekly!: { week: string; tickets: number }[];

  @Column({ name: 'ticket_count', type: 'int' })
  ticketCount!: number;

  @Column({ name: 'customer_ids', type: 'uuid', array: true })
  customerIds!: string[];

  @Column({ name: 'amount_at_stake_fen', type: 'bigint', transformer: asNumber })
  amountAtStakeFen!: number;

  @Column({ type: 'text', array: true })
  departments!: string[];

  @Column({ type: 'numeric', precision: 14, scale: 2, transformer: asNumber })
  priority!: number;

  @Column({ name: 'priority_band', type: 'varchar', length: 8 })
  priorityBand!: PriorityBand;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId!: string | null;

  @Column({ type: 'text', nullable: true })
  plan!: string | null;

  @Column({ name: 'due_by', type: 'timestamptz', nullable: true })
  dueBy!: Date | null;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
