import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Where each open ticket stands in dispatch (R3): its department, its agent or none (waiting in the
 * department's queue), what the agent must be able to do, and how urgent it is. Kept beside `tickets`
 * (whose `department` and `assignee` it mirrors, in the same transactions) so that agents' loads and the
 * queues are read on indexes of their own. Rows of settled tickets are pruned as agents' loads are read.
 */
@Entity({ name: 'ticket_dispatch' })
@Index('ticket_dispatch_assignee_idx', ['assignee'])
@Index('ticket_dispatch_queue_idx', ['department', 'urgencyDue', 'queuedSince'], {
  where: '"assignee" IS NULL',
})
export class TicketDispatchEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @Column({ name: 'ticket_no', type: 'varchar', length: 32 })
  ticketNo!: string;

  @Column({ type: 'varchar', length: 64 })
  department!: string;

  @Column({ type: 'uuid', nullable: true })
  assignee!: string | null;

  /** From the dispatch rule that chose the department: only agents with all of them may take it. */
  @Column({ name: 'required_skills', type: 'text', array: true, default: () => "'{}'" })
  requiredSkills!: string[];

  /** The ticket's first-response due time: the queue serves the most urgent first. */
  @Column({ name: 'urgency_due', type: 'timestamptz' })
  urgencyDue!: Date;

  /** Since when it waits without an agent (ties of urgency: the oldest first); null while assigned. */
  @Column({ name: 'queued_since', type: 'timestamptz', nullable: true })
  queuedSince!: Date | null;

  /**
   * The agent a supervisor took the ticket away from without naming another ("someone else, please"):
   * while it waits, the queue gives it to anyone but them. Cleared once assigned.
   */
  @Column({ name: 'avoid_agent', type: 'uuid', nullable: true })
  avoidAgent!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
