import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
  type ValueTransformer,
} from 'typeorm';
import type { Channel, CloseReason, FeedbackType, Level, Segment, TicketStatus } from '@closeloop/contracts';
import type { SlaTargets } from '../../settings/sla-settings';

/** bigint columns come back from pg as strings; amounts in fen stay far below 2^53. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

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
@Index('tickets_received_idx', ['receivedAt', 'id'])
@Index('tickets_department_idx', ['department', 'receivedAt'])
@Index('tickets_assignee_idx', ['assignee'])
@Index('tickets_next_due_idx', ['nextDueAt', 'id'])
@Index('tickets_next_alert_idx', ['nextAlertAt'], { where: '"next_alert_at" IS NOT NULL' })
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

  /** R1: the feedback's channel, kept for choosing the policy again on reclassification (I4). */
  @Column({ type: 'varchar', length: 32, nullable: true })
  channel!: Channel | null;

  /** G1: the customer's segment at receipt, as intake knew it (R1 policies may name segments). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  segment!: Segment | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  department!: string | null;

  @Column({ type: 'uuid', nullable: true })
  assignee!: string | null;

  @Column({ name: 'sla_policy', type: 'varchar', length: 64 })
  slaPolicy!: string;

  /** The calendar of the policy at opening: business-clock metrics count (and pause) in it. */
  @Column({ name: 'sla_calendar', type: 'varchar', length: 64, nullable: true })
  slaCalendar!: string | null;

  /**
   * The policy's targets for this ticket's level at opening: progress intervals, reopened tickets and
   * pauses use the promise the ticket was given, not a later edit of the policy (R2). Null on tickets
   * opened before the lifecycle (they fall back to the policy as it is now).
   */
  @Column({ name: 'sla_targets', type: 'jsonb', nullable: true })
  slaTargets!: SlaTargets | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'due_first_response', type: 'timestamptz' })
  dueFirstResponse!: Date;

  @Column({ name: 'due_plan', type: 'timestamptz' })
  duePlan!: Date;

  /** Null when the policy sets none and no plan has said by when yet (R4), or on tickets opened before. */
  @Column({ name: 'due_resolution', type: 'timestamptz', nullable: true })
  dueResolution!: Date | null;

  /** R5: when the next progress update to the customer is due; moves on with each update. */
  @Column({ name: 'next_progress_due', type: 'timestamptz', nullable: true })
  nextProgressDue!: Date | null;

  /** Times the customer objected and the ticket reopened (R6). */
  @Column({ type: 'int', default: 0 })
  round!: number;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt!: Date | null;

  /** The first plan of the current round (the one the plan metric counts). */
  @Column({ name: 'planned_at', type: 'timestamptz', nullable: true })
  plannedAt!: Date | null;

  /** R4: what will be done (the latest plan). */
  @Column({ name: 'plan_what', type: 'text', nullable: true })
  planWhat!: string | null;

  /** R4: who does it. */
  @Column({ name: 'plan_owner', type: 'uuid', nullable: true })
  planOwner!: string | null;

  /** R4: by when. */
  @Column({ name: 'plan_due_by', type: 'timestamptz', nullable: true })
  planDueBy!: Date | null;

  /** When the latest plan was recorded. */
  @Column({ name: 'plan_updated_at', type: 'timestamptz', nullable: true })
  planUpdatedAt!: Date | null;

  @Column({ name: 'last_progress_at', type: 'timestamptz', nullable: true })
  lastProgressAt!: Date | null;

  /** Number of the progress due time now running (R5); each update starts the next. */
  @Column({ name: 'progress_seq', type: 'int', default: 0 })
  progressSeq!: number;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  /** What was done, shown to the customer on the confirmation page. */
  @Column({ name: 'resolution_summary', type: 'text', nullable: true })
  resolutionSummary!: string | null;

  /** R9: a resolved ticket the customer does not answer is confirmed or closed at this time. */
  @Column({ name: 'auto_close_at', type: 'timestamptz', nullable: true })
  autoCloseAt!: Date | null;

  /** The single-use secret of the current confirmation link; cleared when used or when the ticket moves on. */
  @Column({ name: 'confirm_nonce', type: 'varchar', length: 64, nullable: true })
  confirmNonce!: string | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt!: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Column({ name: 'close_reason_code', type: 'varchar', length: 32, nullable: true })
  closeReasonCode!: CloseReason | null;

  @Column({ name: 'close_reason', type: 'text', nullable: true })
  closeReason!: string | null;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;

  /** Set while the ticket waits on the customer: clocks stopped since then. */
  @Column({ name: 'paused_at', type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  /** The earliest due time still open and running (lists, "due before", SLA state filters). */
  @Column({ name: 'next_due_at', type: 'timestamptz', nullable: true })
  nextDueAt!: Date | null;

  /** When the SLA sweep next has something to do for this ticket (warning, breach, escalation, R9, archive). */
  @Column({ name: 'next_alert_at', type: 'timestamptz', nullable: true })
  nextAlertAt!: Date | null;

  /** Highest escalation level reached (R7). */
  @Column({ name: 'escalation_level', type: 'smallint', default: 0 })
  escalationLevel!: number;

  /** R8: what the customer claims, in fen. */
  @Column({ name: 'claimed_fen', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  claimedFen!: number | null;

  /** R8: what we pay or give back, in fen. */
  @Column({ name: 'compensation_fen', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  compensationFen!: number | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
