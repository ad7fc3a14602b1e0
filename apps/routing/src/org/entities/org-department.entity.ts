import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AssignmentStrategy } from '@closeloop/contracts';

/** routing's copy of a gateway department (org.department-changed.v1): dispatch, assignment, R7 escalation. */
@Entity({ name: 'org_departments' })
export class OrgDepartmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'parent_id', type: 'varchar', length: 64, nullable: true })
  parentId!: string | null;

  @Column({ name: 'supervisor_ids', type: 'uuid', array: true, default: () => "'{}'" })
  supervisorIds!: string[];

  @Column({ name: 'calendar_id', type: 'varchar', length: 64, nullable: true })
  calendarId!: string | null;

  @Column({ name: 'assignment_strategy', type: 'varchar', length: 16 })
  assignmentStrategy!: AssignmentStrategy;

  @Column({ name: 'prefer_previous_agent', type: 'boolean' })
  preferPreviousAgent!: boolean;

  @Column({ type: 'boolean' })
  active!: boolean;

  /** The gateway's version of the record: an older event never overwrites a newer state. */
  @Column({ type: 'integer' })
  version!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
