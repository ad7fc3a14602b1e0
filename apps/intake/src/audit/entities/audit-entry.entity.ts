import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * X2: who viewed unmasked or changed a customer's data, when, which fields and why. Written in the same
 * transaction as the change (or before an unmasked read is answered). Holds ids and field names, never values.
 */
@Entity({ name: 'audit_log' })
@Index('audit_log_at_idx', ['at', 'id'])
@Index('audit_log_customer_idx', ['customerId', 'at'])
@Index('audit_log_actor_idx', ['actor', 'at'])
// GIN (created by the migration; TypeORM cannot declare the method, so it leaves this index alone).
@Index('audit_log_customer_ids_idx', { synchronize: false })
export class AuditEntryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Set by the writer with millisecond precision, so a cursor built from it is exact. */
  @Column({ type: 'timestamptz' })
  at!: Date;

  /** The user who acted; null for the system (operator commands). */
  @Column({ type: 'uuid', nullable: true })
  actor!: string | null;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  /** A bulk import's batch row (`customers.imported`): every customer it created or added to (X2). */
  @Column({ name: 'customer_ids', type: 'uuid', array: true, nullable: true })
  customerIds!: string[] | null;

  /** The import a batch row belongs to. */
  @Column({ name: 'import_id', type: 'uuid', nullable: true })
  importId!: string | null;

  @Column({ type: 'text', array: true })
  fields!: string[];

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128, nullable: true })
  correlationId!: string | null;
}
