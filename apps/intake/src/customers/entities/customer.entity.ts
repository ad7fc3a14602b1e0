import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** I5: one record per customer. Minimal here; the customer registry issue completes it. */
@Entity({ name: 'customers' })
export class CustomerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16, default: 'person' })
  kind!: 'person' | 'company';

  /** The name, encrypted like contacts (X1). */
  @Column({ name: 'name_enc', type: 'text', nullable: true })
  nameEnc!: string | null;

  /** Set when the customer was erased on request (X1): name, contacts and external ids are gone then. */
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
