import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Whose turn it is in a department (R3 round robin): the next turn goes to the agent after `lastAgent`. */
@Entity({ name: 'assignment_cursors' })
export class AssignmentCursorEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  department!: string;

  @Column({ name: 'last_agent', type: 'uuid', nullable: true })
  lastAgent!: string | null;

  /** How many turns the department has handed out (for supervisors' overviews and tests). */
  @Column({ type: 'bigint', default: 0 })
  turns!: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
