import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Every version of every settings document of a service, who wrote it and when. The highest version of a key
 * is the one in `settings`; its number is the document's ETag, so a stale `If-Match` is caught (412).
 */
@Entity({ name: 'setting_revisions' })
export class SettingRevisionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  value!: unknown;

  @Column({ name: 'changed_at', type: 'timestamptz' })
  changedAt!: Date;

  /** The admin's user id; null for the seed. */
  @Column({ name: 'changed_by', type: 'uuid', nullable: true })
  changedBy!: string | null;
}
