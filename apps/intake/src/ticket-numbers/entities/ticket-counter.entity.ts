import { Column, Entity, PrimaryColumn } from 'typeorm';

/** I3: the last ticket sequence handed out per business date. */
@Entity({ name: 'ticket_counters' })
export class TicketCounterEntity {
  @PrimaryColumn({ name: 'business_date', type: 'date' })
  businessDate!: string;

  @Column({ name: 'last_value', type: 'integer' })
  lastValue!: number;
}
