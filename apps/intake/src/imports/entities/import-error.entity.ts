import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ImportJobEntity } from './import-job.entity';

/** A refused row of an import: line, field and reason, never the value (X1). */
@Entity({ name: 'import_errors' })
export class ImportErrorEntity {
  @PrimaryColumn({ name: 'import_id', type: 'uuid' })
  importId!: string;

  @ManyToOne(() => ImportJobEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'import_id', foreignKeyConstraintName: 'import_errors_import_fk' })
  job?: ImportJobEntity;

  @PrimaryColumn({ type: 'integer' })
  line!: number;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  field!: string;

  @Column({ type: 'varchar', length: 200 })
  message!: string;
}
