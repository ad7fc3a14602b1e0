import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from './customer.entity';

/** The id a partner system knows the customer by. */
@Entity({ name: 'customer_external_ids' })
@Index('customer_external_ids_customer_idx', ['customerId'])
export class CustomerExternalIdEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  source!: string;

  @PrimaryColumn({ name: 'external_id', type: 'varchar', length: 64 })
  externalId!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  /**
   * No foreign key constraint: a statement trigger checks the reference (migration
   * StatementCustomerReferences, decision 0016), one query per statement instead of one per row.
   */
  @ManyToOne(() => CustomerEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'customer_id' })
  customer?: CustomerEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
