import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Segment } from '@closeloop/contracts';

/**
 * I5: one record per customer, person or company. Personal values (name, ID number) are encrypted (X1);
 * their keyed hashes serve duplicate detection. A merged customer stays as a row pointing at its survivor.
 */
@Entity({ name: 'customers' })
@Index('customers_store_idx', ['storeId', 'id'])
@Index('customers_segment_idx', ['segment', 'id'])
// Partial where most rows have no value: a bulk import then writes no index entry for them.
@Index('customers_name_store_idx', ['nameHash', 'storeId'], { where: '"name_hash" IS NOT NULL' })
@Index('customers_id_number_idx', ['idNumberHash'], { where: '"id_number_hash" IS NOT NULL' })
@Index('customers_merged_into_idx', ['mergedInto'], { where: '"merged_into" IS NOT NULL' })
@Index('customers_idempotency_key_uq', ['idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
export class CustomerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16, default: 'person' })
  kind!: 'person' | 'company';

  /** The name, encrypted like contacts (X1). */
  @Column({ name: 'name_enc', type: 'text', nullable: true })
  nameEnc!: string | null;

  /** Keyed hash of the normalised name (duplicate detection: same name and store). */
  @Column({ name: 'name_hash', type: 'char', length: 64, nullable: true })
  nameHash!: string | null;

  /** Mainland resident ID number, encrypted like contacts (X1). */
  @Column({ name: 'id_number_enc', type: 'text', nullable: true })
  idNumberEnc!: string | null;

  @Column({ name: 'id_number_hash', type: 'char', length: 64, nullable: true })
  idNumberHash!: string | null;

  @Column({ name: 'store_id', type: 'varchar', length: 64, nullable: true })
  storeId!: string | null;

  /** The user id of the account manager (C9: who knows the customer). */
  @Column({ name: 'account_manager_id', type: 'uuid', nullable: true })
  accountManagerId!: string | null;

  /** G1: the current segment (null when no rule applies yet), recomputed on every input change. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  segment!: Segment | null;

  @Column({ name: 'segment_since', type: 'timestamptz', nullable: true })
  segmentSince!: Date | null;

  /** I5 merge: the survivor this duplicate was merged into; reads of this id resolve to it. */
  @Column({ name: 'merged_into', type: 'uuid', nullable: true })
  mergedInto!: string | null;

  @Column({ name: 'merged_at', type: 'timestamptz', nullable: true })
  mergedAt!: Date | null;

  /** The Idempotency-Key of the create request, so a retry answers with this customer. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey!: string | null;

  /** Optimistic concurrency for PATCH (ETag `"v<version>"`); every change adds one. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Set when the customer was erased on request (X1): name, contacts and external ids are gone then. */
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
