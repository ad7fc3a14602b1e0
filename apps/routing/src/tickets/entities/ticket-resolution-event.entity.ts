import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Event reconciliation of resolutions (issue 14): whether a resolution's `ticket.resolved.v1` (R6, the
 * confirmation request) was seen on the stream by routing's own consumer, and when the reconciliation last
 * published it again. One row per ticket and resolution instant.
 */
@Entity({ name: 'ticket_resolution_events' })
export class TicketResolutionEventEntity {
  @PrimaryColumn({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @PrimaryColumn({ name: 'resolved_at', type: 'timestamptz' })
  resolvedAt!: Date;

  @Column({ name: 'seen_at', type: 'timestamptz', nullable: true })
  seenAt!: Date | null;

  @Column({ name: 'republished_at', type: 'timestamptz', nullable: true })
  republishedAt!: Date | null;
}
