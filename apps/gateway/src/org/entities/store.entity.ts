import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StoreSizeClass } from '@closeloop/contracts';

/** A store of the org directory (C4: callback quotas by size class). Never deleted. */
@Entity({ name: 'stores' })
@Index('stores_department_idx', ['departmentId'])
export class StoreEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'size_class', type: 'varchar', length: 16 })
  sizeClass!: StoreSizeClass;

  @Column({ name: 'department_id', type: 'varchar', length: 64, nullable: true })
  departmentId!: string | null;

  @Column({ name: 'calendar_id', type: 'varchar', length: 64, nullable: true })
  calendarId!: string | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
