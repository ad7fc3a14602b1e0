import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Availability, Role } from '@closeloop/contracts';

/** routing's copy of an agent's profile (org.agent-changed.v1): who may take which tickets, and how many. */
@Entity({ name: 'org_agents' })
export class OrgAgentEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'text', array: true })
  roles!: Role[];

  @Column({ name: 'department_ids', type: 'text', array: true })
  departmentIds!: string[];

  @Column({ name: 'store_ids', type: 'text', array: true })
  storeIds!: string[];

  @Column({ name: 'skill_ids', type: 'text', array: true })
  skillIds!: string[];

  @Column({ type: 'integer' })
  capacity!: number;

  @Column({ type: 'varchar', length: 16 })
  availability!: Availability;

  @Column({ type: 'boolean' })
  active!: boolean;

  @Column({ type: 'integer' })
  version!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
