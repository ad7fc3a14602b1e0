import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A service's settings data (rules.md numbers: SLA times, windows, quotas, thresholds), one JSON document per
 * key, seeded by the service's migrations and changed by admins. Every service has this table in its schema.
 */
@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'jsonb' })
  value!: unknown;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy!: string | null;
}
