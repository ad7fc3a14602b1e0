import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CollaborationStatus } from '@closeloop/contracts';

/** R3: a collaborating department's task on a ticket, with its owner and deadline. */
@Entity({ name: 'ticket_collaborations' })
@Index('ticket_collaborations_ticket_idx', ['ticketId', 'requestedAt'])
@Index('ticket_collaborations_open_idx', ['department', 'dueAt'], { where: `"status" = 'open'` })
@Index('ticket_collaborations_idempotency_uq', ['ticketId', 'idempotencyKey'], {
  unique: true,
  where: '"idempotency_key" IS NOT NULL',
})
export class TicketCollaborationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @Column({ name: 'ticket_no', type: 'varchar', length: 32 })
  ticketNo!: string;

  @Column({ type: 'varchar', length: 64 })
  department!: string;

  /** Free text: stays here and in the ticket history, never in events (X1). */
  @Column({ type: 'text' })
  task!: string;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId!: string | null;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ type: 'varchar', length: 8 })
  status!: CollaborationStatus;

  @Column({ name: 'requested_by', type: 'uuid' })
  requestedBy!: string;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  /** The client's Idempotency-Key: a retried request finds the first collaboration. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'completed_by', type: 'uuid', nullable: true })
  completedBy!: string | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome!: string | null;
}
