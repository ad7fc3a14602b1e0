import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Channel, Emotion, FeedbackType, Level, SubmitFeedbackReply } from '@closeloop/contracts';

/** One recorded feedback (I1, I2) with its ticket number (I3) and the first answer given for it (I6). */
@Entity({ name: 'feedback' })
@Index('feedback_ticket_no_uq', ['ticketNo'], { unique: true })
@Index('feedback_idempotency_key_uq', ['idempotencyKey'], { unique: true })
@Index('feedback_channel_message_uq', ['channel', 'channelMessageId'], { unique: true })
@Index('feedback_customer_idx', ['customerId', 'receivedAt'])
// The feedback still waiting for its ticket: few rows, found by the event reconciliation (issue 14).
@Index('feedback_without_ticket_idx', ['createdAt'], { where: '"ticket_opened_at" IS NULL' })
export class FeedbackEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'ticket_no', type: 'varchar', length: 32 })
  ticketNo!: string;

  @Column({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ type: 'varchar', length: 32 })
  channel!: Channel;

  @Column({ name: 'channel_message_id', type: 'varchar', length: 128, nullable: true })
  channelMessageId!: string | null;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey!: string | null;

  /** SHA-256 of the request body, to tell a retry from a different request reusing a key. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  @Column({ name: 'customer_id', type: 'uuid', nullable: true })
  customerId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  type!: FeedbackType;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  @Column({ type: 'varchar', length: 2 })
  level!: Level;

  @Column({ type: 'varchar', length: 16, nullable: true })
  emotion!: Emotion | null;

  @Column({ type: 'text' })
  description!: string;

  @Column({ name: 'customer_request', type: 'text', nullable: true })
  customerRequest!: string | null;

  @Column({ name: 'expected_by', type: 'timestamptz', nullable: true })
  expectedBy!: Date | null;

  @Column({ name: 'store_id', type: 'varchar', length: 64, nullable: true })
  storeId!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** I4: classified at intake by these rules (ids), or `client` when the caller gave the category. */
  @Column({ name: 'classified_by', type: 'text', array: true })
  classifiedBy!: string[];

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy!: string;

  @Column({ type: 'jsonb' })
  reply!: Omit<SubmitFeedbackReply, 'replayed'>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When intake learned (ticket.opened.v1) that routing opened the feedback's ticket. */
  @Column({ name: 'ticket_opened_at', type: 'timestamptz', nullable: true })
  ticketOpenedAt!: Date | null;

  /** When the reconciliation last published its feedback.received.v1 again (no ticket yet). */
  @Column({ name: 'republished_at', type: 'timestamptz', nullable: true })
  republishedAt!: Date | null;
}
