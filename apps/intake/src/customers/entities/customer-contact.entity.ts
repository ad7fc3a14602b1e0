import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CustomerEntity } from './customer.entity';
import { HASH_COLUMN } from '../keyed-hash';

/** A phone or e-mail of a customer: encrypted value, and the keyed hash it is found by (I5, X1). */
@Entity({ name: 'customer_contacts' })
// Hashes are keyed by kind (PiiCipher.lookupHash): the hash alone is unique (decision 0016).
@Index('customer_contacts_lookup_uq', ['valueHash'], { unique: true })
@Index('customer_contacts_customer_idx', ['customerId'])
export class CustomerContactEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  /**
   * No foreign key constraint: a statement trigger checks the reference (migration
   * StatementCustomerReferences, decision 0016), one query per statement instead of one per row.
   */
  @ManyToOne(() => CustomerEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'customer_id' })
  customer?: CustomerEntity;

  @Column({ type: 'varchar', length: 8 })
  kind!: 'phone' | 'email';

  @Column({ name: 'value_hash', type: 'bytea', transformer: HASH_COLUMN })
  valueHash!: string;

  @Column({ name: 'value_enc', type: 'text' })
  valueEnc!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
