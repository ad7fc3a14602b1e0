import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** routing's copy of a skill of the catalog (org.skill-changed.v1). */
@Entity({ name: 'org_skills' })
export class OrgSkillEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'integer' })
  version!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
