import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ImportFormat, ImportKind, ImportStatus } from '@closeloop/contracts';

/**
 * A bulk import of customers or orders: uploaded in chunks, then processed by whichever replica claims it
 * (a lease; one import runs at a time), batch by batch with a checkpoint, so a restart resumes it.
 */
@Entity({ name: 'imports' })
@Index('imports_status_idx', ['status', 'createdAt'])
export class ImportJobEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ImportKind;

  @Column({ type: 'varchar', length: 8 })
  format!: ImportFormat;

  @Column({ name: 'file_name', type: 'varchar', length: 200, nullable: true })
  fileName!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: ImportStatus;

  @Column({ type: 'bigint', default: 0 })
  bytes!: string;

  @Column({ type: 'integer', default: 0 })
  chunks!: number;

  /** Every line up to here was committed (the contiguous prefix of `committedLines`). */
  @Column({ name: 'checkpoint_line', type: 'integer', default: 0 })
  checkpointLine!: number;

  /**
   * The lines of committed batches (several writers commit batches out of file order, decision 0012): a
   * resumed run skips them. Adjacent ranges merge, so a finished file is one range.
   */
  @Column({ name: 'committed_lines', type: 'int4multirange', default: () => "'{}'" })
  committedLines!: string;

  @Column({ name: 'rows_read', type: 'integer', default: 0 })
  rowsRead!: number;

  @Column({ type: 'integer', default: 0 })
  created!: number;

  @Column({ type: 'integer', default: 0 })
  updated!: number;

  @Column({ type: 'integer', default: 0 })
  unchanged!: number;

  @Column({ type: 'integer', default: 0 })
  failed!: number;

  /** Why the whole import failed (an unreadable file); never a value from it. */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** Raised by every claim; a runner's writes name it, so a stalled runner's late ones are refused. */
  @Column({ name: 'lease_fence', type: 'bigint', default: 0 })
  leaseFence!: string;

  /** Who may read it: its creator, and admins. */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  /** The creator's stores when scoped (rows of other stores are refused). */
  @Column({ name: 'scope_stores', type: 'text', array: true, nullable: true })
  scopeStores!: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
