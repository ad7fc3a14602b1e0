import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { ConsentChannel, ConsentPurpose } from '@closeloop/contracts';
import { CustomerEntity } from './customer.entity';

/** X1 consent of a customer for one purpose: the latest answer, when and how it was given, who recorded it. */
@Entity({ name: 'customer_consents' })
export class CustomerConsentEntity {
  @PrimaryColumn({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => CustomerEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'customer_consents_customer_fk' })
  customer?: CustomerEntity;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  purpose!: ConsentPurpose;

  @Column({ type: 'boolean' })
  granted!: boolean;

  @Column({ type: 'varchar', length: 32 })
  channel!: ConsentChannel;

  @Column({ name: 'given_at', type: 'timestamptz' })
  givenAt!: Date;

  @Column({ name: 'recorded_by', type: 'uuid', nullable: true })
  recordedBy!: string | null;
}
