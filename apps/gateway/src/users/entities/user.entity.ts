import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Availability, Role } from '@closeloop/contracts';

/** A staff user of the console and API. */
@Entity({ name: 'users' })
@Index('users_email_uq', ['email'], { unique: true })
export class UserEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Lowercased. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  /** `scrypt$N$r$p$salt$hash` (see password-hasher.ts). */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text', array: true })
  roles!: Role[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  departments!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  stores!: string[];

  /** Org directory (agents): skill ids of the catalog. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  skills!: string[];

  /** Most open tickets assigned at once; 0 receives none automatically. */
  @Column({ type: 'integer', default: 0 })
  capacity!: number;

  @Column({ type: 'varchar', length: 16, default: 'away' })
  availability!: Availability;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  /** Grows with every change of the agent profile: the ETag, and the version of `org.agent-changed.v1`. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
