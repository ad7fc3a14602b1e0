import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnnestInsert } from '@closeloop/messaging';
import type { SlaMetricName } from '@closeloop/contracts';
import { TicketEntity } from '../tickets/entities/ticket.entity';
import type { SlaAlertKind } from '../sla/entities/sla-alert.entity';

export interface AlertRow {
  ticketId: string;
  metric: SlaMetricName;
  dueAt: Date;
  kind: SlaAlertKind;
  escalationLevel: number;
}

/** Alerts recorded once (sla_alerts_once_uq): only the rows that were not there yet come back. */
const INSERT_ALERTS = new UnnestInsert<
  AlertRow & { firedAt: Date },
  { ticket_id: string; metric: SlaMetricName; due_at: Date; kind: SlaAlertKind; escalation_level: number }
>(
  'routing.sla_alerts',
  {
    ticketId: ['ticket_id', 'uuid'],
    metric: ['metric', 'varchar'],
    dueAt: ['due_at', 'timestamptz'],
    kind: ['kind', 'varchar'],
    escalationLevel: ['escalation_level', 'smallint'],
    firedAt: ['fired_at', 'timestamptz'],
  },
  `ON CONFLICT (ticket_id, metric, due_at, kind, escalation_level) DO NOTHING
   RETURNING ticket_id, metric, due_at, kind, escalation_level`,
);

/** SQL of the SLA sweep, set-based: a batch of tickets costs a handful of statements, not several per ticket. */
@Injectable()
export class SlaSweepRepository {
  /**
   * Claims up to `limit` tickets with sweep work due at `now`, locked for this transaction. SKIP LOCKED:
   * replicas sweeping at once take disjoint batches instead of waiting for each other (or doing twice).
   * Served by the partial index on next_alert_at.
   */
  claimDue(manager: EntityManager, now: Date, limit: number): Promise<TicketEntity[]> {
    return manager
      .getRepository(TicketEntity)
      .createQueryBuilder('t')
      .where('t.nextAlertAt IS NOT NULL AND t.nextAlertAt <= :now', { now })
      .orderBy('t.nextAlertAt', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /**
   * Records alerts once: the rows that were not there yet come back (sla_alerts_once_uq). Only those are
   * announced, so a crash between two sweeps, or two sweeps at once, never fires an alert twice.
   */
  async insertAlerts(manager: EntityManager, rows: readonly AlertRow[], firedAt: Date): Promise<AlertRow[]> {
    const inserted = await INSERT_ALERTS.run(
      manager,
      rows.map((row) => ({ ...row, firedAt })),
    );
    return inserted.map((r) => ({
      ticketId: r.ticket_id,
      metric: r.metric,
      dueAt: new Date(r.due_at),
      kind: r.kind,
      escalationLevel: Number(r.escalation_level),
    }));
  }

  /** The sweep's bookkeeping on tickets: next work time and escalation level. The version stays. */
  async updateSchedules(
    manager: EntityManager,
    rows: readonly { id: string; nextAlertAt: Date | null; escalationLevel: number }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await manager.query(
      `UPDATE routing.tickets t SET next_alert_at = x.a, escalation_level = x.l
         FROM unnest($1::uuid[], $2::timestamptz[], $3::smallint[]) AS x(id, a, l) WHERE t.id = x.id`,
      [rows.map((r) => r.id), rows.map((r) => r.nextAlertAt), rows.map((r) => r.escalationLevel)],
    );
  }
}
