import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { SlaMetricName } from '@closeloop/contracts';

export const SLA_ALERT_KINDS = ['warning', 'breach', 'escalation'] as const;
export type SlaAlertKind = (typeof SLA_ALERT_KINDS)[number];

/**
 * R7: every warning, breach and escalation the sweep fired. The unique key is the guard that a due time is
 * warned, breached and escalated to each level once, however many sweeps race or restart.
 */
@Entity({ name: 'sla_alerts' })
@Index('sla_alerts_once_uq', ['ticketId', 'metric', 'dueAt', 'kind', 'escalationLevel'], { unique: true })
export class SlaAlertEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id!: string;

  @Column({ name: 'ticket_id', type: 'uuid' })
  ticketId!: string;

  @Column({ type: 'varchar', length: 16 })
  metric!: SlaMetricName;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ type: 'varchar', length: 16 })
  kind!: SlaAlertKind;

  /** 0 for warnings and breaches; 1, 2, … for escalations. */
  @Column({ name: 'escalation_level', type: 'smallint', default: 0 })
  escalationLevel!: number;

  @Column({ name: 'fired_at', type: 'timestamptz' })
  firedAt!: Date;
}
