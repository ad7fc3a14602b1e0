import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * X1: how many searches by contact or external id a user made in the current fixed window (privacy settings
 * `contactSearch`). One row per user, reset when a new window starts; shared by every intake replica.
 */
@Entity({ name: 'contact_search_counters' })
export class ContactSearchCounterEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_contact_search_counters' })
  userId!: string;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'integer' })
  searches!: number;
}
