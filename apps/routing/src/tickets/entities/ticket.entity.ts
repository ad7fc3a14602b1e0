import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import type { FeedbackType, Level, TicketStatus } from '@closeloop/contracts';

/** A ticket (R1-R9). Due times are stored and indexed, never recomputed by replaying history (R2). */
@Entity({ name: 'tickets' })
@Index('tickets_ticket_no_uq', ['ticketNo'], { unique: true })
@Index('tickets_feedback_uq', ['feedbackId'], { unique: true })
@Index('tickets_status_idx', ['status', 'level'])
@Index('tickets_due_first_response_idx', ['dueFirstResponse'])
@Index('tickets_due_plan_idx', ['duePlan'])
@Index('tickets_due_resolution_idx', ['dueResolution'])
@Index('tickets_next_progress_due_idx', ['nextProgressDue'])
@Index('tickets_customer_idx', ['customerId'])
export class TicketEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'ticket_no', type: 'varchar', length: 32 })
  ticketNo!: string;

  @Column({ name: 'feedback_id', type: 'uuid' })
  feedbackId!: string;

  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  type!: FeedbackType;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  @Column({ type: 'varchar', length: 2 })
  level!: Level;

  @Column({ type: 'varchar', length: 16 })
  status!: TicketStatus;

  @Column({ type: 'varchar', length: 64, nullable: true })
  department!: string | null;

  @Column({ type: 'uuid', nullable: true })
  assignee!: string | null;

  @Column({ name: 'sla_policy', type: 'varchar', length: 64 })
  slaPolicy!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'due_first_response', type: 'timestamptz' })
  dueFirstResponse!: Date;

  @Column({ name: 'due_plan', type: 'timestamptz' })
  duePlan!: Date;

  /** Null only on tickets opened before the SLA engine (policy changes never touch existing tickets). */
  @Column({ name: 'due_resolution', type: 'timestamptz', nullable: true })
  dueResolution!: Date | null;

  /** R5: when the next progress update to the customer is due; moves on with each update. */
  @Column({ name: 'next_progress_due', type: 'timestamptz', nullable: true })
  nextProgressDue!: Date | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
