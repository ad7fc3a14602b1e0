import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AssignmentStrategy } from '@closeloop/contracts';

/** A department of the org directory (R3 dispatch target, R7 escalation tree). Never deleted. */
@Entity({ name: 'departments' })
@Index('departments_parent_idx', ['parentId'])
export class DepartmentEntity {
  /** A stable slug chosen by the admin; tickets and settings refer to it. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'parent_id', type: 'varchar', length: 64, nullable: true })
  parentId!: string | null;

  @Column({ name: 'supervisor_ids', type: 'uuid', array: true, default: () => "'{}'" })
  supervisorIds!: string[];

  /** A routing calendar id; null means routing's default calendar. */
  @Column({ name: 'calendar_id', type: 'varchar', length: 64, nullable: true })
  calendarId!: string | null;

  @Column({ name: 'assignment_strategy', type: 'varchar', length: 16 })
  assignmentStrategy!: AssignmentStrategy;

  @Column({ name: 'prefer_previous_agent', type: 'boolean', default: true })
  preferPreviousAgent!: boolean;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Grows with every change: the ETag, and the version of the `org.department-changed.v1` event. */
  @Column({ type: 'integer' })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
