import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '@closeloop/contracts';

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

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
