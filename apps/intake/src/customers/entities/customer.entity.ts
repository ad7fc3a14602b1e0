import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ConsentChannel, Segment } from '@closeloop/contracts';
import { HASH_COLUMN } from '../keyed-hash';

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
  @Column({ name: 'name_hash', type: 'bytea', nullable: true, transformer: HASH_COLUMN })
  nameHash!: string | null;

  /** Mainland resident ID number, encrypted like contacts (X1). */
  @Column({ name: 'id_number_enc', type: 'text', nullable: true })
  idNumberEnc!: string | null;

  @Column({ name: 'id_number_hash', type: 'bytea', nullable: true, transformer: HASH_COLUMN })
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

  /*
   * X1 consents, four columns per purpose (consent-columns.ts, decision 0012): the latest answer, its channel,
   * when it was given and who recorded it. Null: no answer recorded for that purpose.
   */
  @Column({ name: 'consent_callbacks', type: 'boolean', nullable: true })
  consentCallbacks!: boolean | null;

  @Column({ name: 'consent_callbacks_channel', type: 'varchar', length: 32, nullable: true })
  consentCallbacksChannel!: ConsentChannel | null;

  @Column({ name: 'consent_callbacks_at', type: 'timestamptz', nullable: true })
  consentCallbacksAt!: Date | null;

  @Column({ name: 'consent_callbacks_by', type: 'uuid', nullable: true })
  consentCallbacksBy!: string | null;

  @Column({ name: 'consent_marketing', type: 'boolean', nullable: true })
  consentMarketing!: boolean | null;

  @Column({ name: 'consent_marketing_channel', type: 'varchar', length: 32, nullable: true })
  consentMarketingChannel!: ConsentChannel | null;

  @Column({ name: 'consent_marketing_at', type: 'timestamptz', nullable: true })
  consentMarketingAt!: Date | null;

  @Column({ name: 'consent_marketing_by', type: 'uuid', nullable: true })
  consentMarketingBy!: string | null;

  @Column({ name: 'consent_partner_sharing', type: 'boolean', nullable: true })
  consentPartnerSharing!: boolean | null;

  @Column({ name: 'consent_partner_sharing_channel', type: 'varchar', length: 32, nullable: true })
  consentPartnerSharingChannel!: ConsentChannel | null;

  @Column({ name: 'consent_partner_sharing_at', type: 'timestamptz', nullable: true })
  consentPartnerSharingAt!: Date | null;

  @Column({ name: 'consent_partner_sharing_by', type: 'uuid', nullable: true })
  consentPartnerSharingBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
