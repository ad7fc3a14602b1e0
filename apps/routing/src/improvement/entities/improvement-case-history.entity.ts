import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every change of an improvement case: who (null: the weekly run), what, when. Append-only. */
@Entity({ name: 'improvement_case_history' })
@Index('improvement_case_history_case_idx', ['caseId', 'at'])
export class ImprovementCaseHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  @Column({ type: 'uuid', nullable: true })
  actor!: string | null;

  @Column({ type: 'varchar', length: 32 })
  action!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data!: Record<string, unknown>;
}
