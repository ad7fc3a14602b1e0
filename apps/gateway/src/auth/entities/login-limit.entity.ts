import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Login attempts per client IP (`ip:<address>`) and per account (`account:<SHA-256 of the lowercased e-mail>`:
 * what people type into the e-mail field is never stored), shared by every gateway replica: attempts in the
 * current minute, and for accounts the failures in a row and the lock they earned.
 */
@Entity({ name: 'login_limits' })
@Index('login_limits_window_idx', ['windowStart'])
export class LoginLimitEntity {
  @PrimaryColumn({ type: 'varchar', length: 80, primaryKeyConstraintName: 'PK_login_limits' })
  key!: string;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ name: 'last_failure_at', type: 'timestamptz', nullable: true })
  lastFailureAt!: Date | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;
}
