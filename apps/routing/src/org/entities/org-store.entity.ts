import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StoreSizeClass } from '@closeloop/contracts';

/** routing's copy of a store (org.store-changed.v1). */
@Entity({ name: 'org_stores' })
export class OrgStoreEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'size_class', type: 'varchar', length: 16 })
  sizeClass!: StoreSizeClass;

  @Column({ name: 'department_id', type: 'varchar', length: 64, nullable: true })
  departmentId!: string | null;

  @Column({ name: 'calendar_id', type: 'varchar', length: 64, nullable: true })
  calendarId!: string | null;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'integer' })
  version!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
