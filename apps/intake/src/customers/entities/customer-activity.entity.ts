import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from './customer.entity';

/**
 * Per-customer figures kept from writes (orders) and events (tickets, objections; surveys and callbacks when
 * those services exist): the inputs of the G1 segment rules. Money in fen.
 */
@Entity({ name: 'customer_activity' })
@Index('customer_activity_annual_spend_idx', ['annualSpendFen'])
export class CustomerActivityEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @OneToOne(() => CustomerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'customer_activity_customer_fk' })
  customer?: CustomerEntity;

  @Column({ name: 'orders_count', type: 'integer', default: 0 })
  ordersCount!: number;

  /** Orders of the last 12 months; refreshed with each order and by the nightly pass. */
  @Column({ name: 'annual_spend_fen', type: 'bigint', default: 0 })
  annualSpendFen!: string;

  @Column({ name: 'total_spend_fen', type: 'bigint', default: 0 })
  totalSpendFen!: string;

  @Column({ name: 'first_order_at', type: 'timestamptz', nullable: true })
  firstOrderAt!: Date | null;

  @Column({ name: 'last_order_at', type: 'timestamptz', nullable: true })
  lastOrderAt!: Date | null;

  /** Orders in the 12 months before the last 12 (a growth signal: spend rising). */
  @Column({ name: 'previous_year_spend_fen', type: 'bigint', default: 0 })
  previousYearSpendFen!: string;

  @Column({ name: 'tickets_count', type: 'integer', default: 0 })
  ticketsCount!: number;

  @Column({ name: 'complaints_count', type: 'integer', default: 0 })
  complaintsCount!: number;

  @Column({ name: 'objections_count', type: 'integer', default: 0 })
  objectionsCount!: number;

  @Column({ name: 'last_objection_at', type: 'timestamptz', nullable: true })
  lastObjectionAt!: Date | null;

  /** Latest satisfaction, 0-100 (surveys, callbacks). */
  @Column({ type: 'smallint', nullable: true })
  satisfaction!: number | null;

  @Column({ name: 'satisfaction_at', type: 'timestamptz', nullable: true })
  satisfactionAt!: Date | null;

  @Column({ name: 'callbacks_count', type: 'integer', default: 0 })
  callbacksCount!: number;

  @Column({ name: 'last_interaction_at', type: 'timestamptz', nullable: true })
  lastInteractionAt!: Date | null;
}
