import { Column, Entity, PrimaryColumn } from 'typeorm';

/** G1: the annual spend above which a customer is in the top share, and when it was computed (one row). */
@Entity({ name: 'segment_baseline' })
export class SegmentBaselineEntity {
  @PrimaryColumn({ type: 'smallint' })
  id!: number;

  /** Null while no customer has any spend. */
  @Column({ name: 'spend_cut_fen', type: 'bigint', nullable: true })
  spendCutFen!: string | null;

  @Column({ name: 'customers_with_spend', type: 'integer' })
  customersWithSpend!: number;

  @Column({ name: 'computed_at', type: 'timestamptz' })
  computedAt!: Date;
}
