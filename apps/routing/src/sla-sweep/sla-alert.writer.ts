import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { TicketEvents, type TicketSlaAlertV1 } from '@closeloop/contracts';
import type { TicketEntity } from '../tickets/entities/ticket.entity';
import type { EscalationTargets } from '../sla/escalation-targets';
import type { DueAlert } from '../sla/sla-clock';
import { insertPlatformHistory, type PlatformHistoryRow } from '../ticket-history/ticket-history';
import { SlaSweepRepository, type AlertRow } from './sla-sweep.repository';

/** An alert the SLA clock says is due for a ticket of the batch. */
export interface TicketAlert {
  ticket: TicketEntity;
  alert: DueAlert;
}

/** What a batch's alerts came to: the breaches announced, and the highest escalation level per ticket. */
export interface FiredAlerts {
  warnings: number;
  breaches: TicketAlert[];
  escalations: number;
  /** Ticket id → the highest escalation level announced now. */
  levels: Map<string, number>;
}

const key = (a: Pick<AlertRow, 'ticketId' | 'metric' | 'dueAt' | 'kind' | 'escalationLevel'>) =>
  `${a.ticketId}|${a.metric}|${a.dueAt.getTime()}|${a.kind}|${a.escalationLevel}`;

/** Breaches before escalations, so a history entry names the breach when both came in one pass. */
const ORDER = { warning: 0, breach: 1, escalation: 2 } as const;

/**
 * Fires a sweep batch's due alerts (R7), set-based, in the caller's transaction.
 *
 * Guarantees: each alert (ticket, metric, due time, kind, escalation level) is recorded once ever
 * (`sla_alerts_once_uq`) and announced only by the transaction that recorded it, so two sweeps at once, or a
 * pass after a crash, never announce one twice; announced alerts are `ticket.sla-warning.v1`,
 * `ticket.sla-breached.v1` and `ticket.escalated.v1` events through `tx.publish`, breaches before
 * escalations, and one history entry per ticket, due time and pass (a breach and the escalations it caused
 * are one entry). An escalation above the top of the directory is recorded as handled and sent to no one.
 * A batch costs a handful of statements whatever its size; the escalation chains are looked up once per
 * department and pass (`EscalationTargets`).
 *
 * The caller must not assume that an alert it passed was announced (another pass may have fired it), and
 * stores the tickets' next sweep time and escalation level itself, from what comes back.
 */
@Injectable()
export class SlaAlertWriter {
  constructor(private readonly sweeps: SlaSweepRepository) {}

  async fire(
    tx: Tx,
    due: readonly TicketAlert[],
    targets: EscalationTargets,
    now: Date,
  ): Promise<FiredAlerts> {
    const fired: FiredAlerts = { warnings: 0, breaches: [], escalations: 0, levels: new Map() };
    const wanted = new Map<string, TicketAlert>();
    for (const item of due) wanted.set(key({ ticketId: item.ticket.id, ...item.alert }), item);
    const recorded = await this.sweeps.insertAlerts(
      tx.manager,
      [...wanted.values()].map(({ ticket, alert }) => ({ ticketId: ticket.id, ...alert })),
      now,
    );
    const announced = recorded
      .sort((x, y) => ORDER[x.kind] - ORDER[y.kind] || x.escalationLevel - y.escalationLevel)
      .map((row) => wanted.get(key(row))!);
    await targets.prefetch(
      tx.manager,
      announced.filter(({ alert }) => alert.kind === 'escalation').map(({ ticket }) => ticket.department),
    );
    const history = new Map<string, PlatformHistoryRow>();
    const noted = (ticket: TicketEntity, alert: DueAlert, action: string): Record<string, unknown> => {
      const at = `${ticket.id}|${alert.metric}|${alert.dueAt.getTime()}`;
      const entry = history.get(at) ?? {
        ticketId: ticket.id,
        action,
        data: { metric: alert.metric, dueAt: alert.dueAt.toISOString() },
      };
      history.set(at, entry);
      return entry.data;
    };
    for (const { ticket, alert } of announced) {
      const base: TicketSlaAlertV1 = {
        ticketId: ticket.id,
        ticketNo: ticket.ticketNo,
        level: ticket.level,
        category: ticket.category,
        metric: alert.metric,
        dueAt: alert.dueAt.toISOString(),
        department: ticket.department,
        assigneeId: ticket.assignee,
      };
      if (alert.kind === 'warning') {
        await tx.publish(TicketEvents.slaWarning, { ...base, warnedAt: now.toISOString() });
        noted(ticket, alert, 'sla-warning');
        fired.warnings += 1;
      } else if (alert.kind === 'breach') {
        await tx.publish(TicketEvents.slaBreached, { ...base, breachedAt: now.toISOString() });
        noted(ticket, alert, 'sla-breached');
        fired.breaches.push({ ticket, alert });
      } else {
        const target = targets.at(ticket.department, alert.escalationLevel);
        if (!target) continue; // above the top of the directory: recorded as handled, sent to no one
        await tx.publish(TicketEvents.escalated, {
          ...base,
          escalationLevel: alert.escalationLevel,
          toDepartment: target.department,
          supervisorIds: target.supervisorIds,
          escalatedAt: now.toISOString(),
        });
        const data = noted(ticket, alert, 'escalated');
        data.escalations = [
          ...((data.escalations as unknown[] | undefined) ?? []),
          { level: alert.escalationLevel, toDepartment: target.department },
        ];
        fired.levels.set(ticket.id, Math.max(fired.levels.get(ticket.id) ?? 0, alert.escalationLevel));
        fired.escalations += 1;
      }
    }
    await insertPlatformHistory(tx.manager, [...history.values()], now);
    return fired;
  }
}
