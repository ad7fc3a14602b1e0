import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** R6, R9: every change of a ticket, who made it and when. Append-only. */
@Entity({ name: 'ticket_history' })
@Index('ticket_history_ticket_idx', ['ticketId', 'at'])
export class TicketHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** A user id, or null for the system. */
  @Column({ type: 'uuid', nullable: true })
  actor!: string | null;

  @Column({ type: 'varchar', length: 32 })
  action!: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  data!: Record<string, unknown>;
}
