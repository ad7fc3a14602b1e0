import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from '../../customers/entities/customer.entity';

/** A customer's order (money in fen); the external order id makes API calls and imports idempotent. */
@Entity({ name: 'orders' })
@Index('orders_external_id_uq', ['externalOrderId'], { unique: true })
@Index('orders_customer_idx', ['customerId', 'orderedAt'])
export class OrderEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'orders_customer_fk' })
  customer?: CustomerEntity;

  @Column({ name: 'external_order_id', type: 'varchar', length: 64 })
  externalOrderId!: string;

  @Column({ name: 'amount_fen', type: 'bigint' })
  amountFen!: string;

  @Column({ name: 'product_line', type: 'varchar', length: 64, nullable: true })
  productLine!: string | null;

  @Column({ name: 'store_id', type: 'varchar', length: 64, nullable: true })
  storeId!: string | null;

  @Column({ name: 'ordered_at', type: 'timestamptz' })
  orderedAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'installed_at', type: 'timestamptz', nullable: true })
  installedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** The user who recorded it (null for imports run by the operator CLI). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;
}
