import { Injectable } from '@nestjs/common';
import { OutboxRelay, OutboxWriter, UnitOfWork, type OutboxEvent, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import { TicketEvents, type TicketSlaAlertV1 } from '@closeloop/contracts';
import type { RoutingEnv } from '../routing.env';
import { OrgDirectoryService } from '../org/org-directory.service';
import type { TicketEntity } from '../tickets/entities/ticket.entity';
import { newNonce } from '../tickets/ticket-lifecycle.service';
import { TicketWriter } from '../tickets/ticket.writer';
import * as transitions from '../tickets/transitions';
import { EscalationTargets } from '../sla/escalation-targets';
import { alertsDue, nextAlertAt, type DueAlert } from '../sla/sla-clock';
import { SlaOutcomeRepository } from '../sla/sla-outcome.repository';
import { archiveAt, lifecycleWakeUps, rulesFor, type SlaRulesSnapshot } from '../tickets/sla-rules';
import { SlaRulesService } from '../tickets/sla-rules.service';
import { SlaSweepRepository, type AlertRow, type HistoryRow } from './sla-sweep.repository';

const log = createLogger('sla-sweep');

export interface SweepResult {
  tickets: number;
  warnings: number;
  breaches: number;
  escalations: number;
  /** Resolved tickets settled by the R9 rule, and finished tickets archived. */
  settled: number;
}

const none = (): SweepResult => ({ tickets: 0, warnings: 0, breaches: 0, escalations: 0, settled: 0 });

const key = (a: Pick<AlertRow, 'ticketId' | 'metric' | 'dueAt' | 'kind' | 'escalationLevel'>) =>
  `${a.ticketId}|${a.metric}|${a.dueAt.getTime()}|${a.kind}|${a.escalationLevel}`;

/**
 * R7, R9: the SLA sweep. Each ticket stores when the sweep next has work for it (`next_alert_at`); a pass
 * claims the tickets whose time has come (row locks, SKIP LOCKED: replicas share the work, never repeat
 * it), fires their warnings, breaches and escalations once each (the `sla_alerts` unique key), settles
 * resolved tickets the customer never answered, archives finished ones, and stores each ticket's next
 * time — all in one transaction per batch, with the events in the outbox.
 */
@Injectable()
export class SlaSweepService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly sweeps: SlaSweepRepository,
    private readonly outcomes: SlaOutcomeRepository,
    private readonly rules: SlaRulesService,
    private readonly writer: TicketWriter,
    private readonly directory: OrgDirectoryService,
    private readonly outbox: OutboxWriter,
    private readonly relay: OutboxRelay,
  ) {}

  /**
   * Everything due at `now`, batch after batch, until no claimable ticket has work due. Scheduled every
   * SLA_SWEEP_INTERVAL_MS (0: off; tests call it with the instant they need), once across replicas; a
   * replica killed mid-sweep is taken over after a short lease (the row claims keep it safe anyway).
   */
  @ScheduledJob('sla-sweep', { every: (env: RoutingEnv) => env.SLA_SWEEP_INTERVAL_MS, leaseMs: 10_000 })
  async sweep(now = new Date(), batchSize = 1000): Promise<SweepResult> {
    const total = none();
    // Read once per pass, outside any transaction: settings and the directory hold for the whole pass.
    const snapshot = await this.rules.read();
    const targets = new EscalationTargets(this.directory);
    for (;;) {
      const result = await this.uow.run((tx) => this.batch(tx, now, batchSize, snapshot, targets));
      if (result.warnings + result.breaches + result.escalations > 0) this.relay.kick();
      for (const k of Object.keys(total) as (keyof SweepResult)[]) total[k] += result[k];
      if (result.tickets < batchSize) break;
    }
    if (total.tickets > 0) log.info({ ...total, at: now.toISOString() }, 'sla sweep');
    return total;
  }

  private async batch(
    tx: Tx,
    now: Date,
    limit: number,
    snapshot: SlaRulesSnapshot,
    targets: EscalationTargets,
  ): Promise<SweepResult> {
    const tickets = await this.sweeps.claimDue(tx.manager, now, limit);
    const result = { ...none(), tickets: tickets.length };
    if (tickets.length === 0) return result;
    const alerting: TicketEntity[] = [];
    for (const ticket of tickets) {
      if (await this.settle(tx, ticket, snapshot, now)) result.settled += 1;
      else alerting.push(ticket);
    }
    const wanted = new Map<string, { ticket: TicketEntity; alert: DueAlert }>();
    for (const ticket of alerting) {
      for (const alert of alertsDue(ticket, now, snapshot.timing)) {
        wanted.set(key({ ticketId: ticket.id, ...alert }), { ticket, alert });
      }
    }
    const fired = await this.sweeps.insertAlerts(
      tx.manager,
      [...wanted.values()].map(({ ticket, alert }) => ({ ticketId: ticket.id, ...alert })),
      now,
    );
    await targets.prefetch(
      tx.manager,

      fired.filter((row) => row.kind === 'escalation').map((row) => wanted.get(key(row))!.ticket.department),
    );
    const levels = new Map<string, number>();
    // One history entry per due time and pass: a breach and the escalations it caused are one entry.
    const history = new Map<string, HistoryRow>();
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
    // Thousands of alerts in a batch: events go to the outbox in multi-row statements, not one by one.
    const events: OutboxEvent[] = [];
    const breaches: { ticket: TicketEntity; alert: DueAlert }[] = [];
    // Breaches before escalations, so an entry names the breach when both came in this pass.
    const order = { warning: 0, breach: 1, escalation: 2 } as const;
    for (const row of fired.sort(
      (x, y) => order[x.kind] - order[y.kind] || x.escalationLevel - y.escalationLevel,
    )) {
      const { ticket, alert } = wanted.get(key(row))!;
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
        events.push(this.outbox.event(TicketEvents.slaWarning, { ...base, warnedAt: now.toISOString() }));
        noted(ticket, alert, 'sla-warning');
        result.warnings += 1;
      } else if (alert.kind === 'breach') {
        events.push(this.outbox.event(TicketEvents.slaBreached, { ...base, breachedAt: now.toISOString() }));
        noted(ticket, alert, 'sla-breached');
        breaches.push({ ticket, alert });
        result.breaches += 1;
      } else {
        const target = targets.at(ticket.department, alert.escalationLevel);
        if (!target) continue; // above the top of the directory: recorded as handled, sent to no one
        events.push(
          this.outbox.event(TicketEvents.escalated, {
            ...base,
            escalationLevel: alert.escalationLevel,
            toDepartment: target.department,
            supervisorIds: target.supervisorIds,
            escalatedAt: now.toISOString(),
          }),
        );
        const data = noted(ticket, alert, 'escalated');
        data.escalations = [
          ...((data.escalations as unknown[] | undefined) ?? []),
          { level: alert.escalationLevel, toDepartment: target.department },
        ];
        levels.set(ticket.id, Math.max(levels.get(ticket.id) ?? 0, alert.escalationLevel));
        result.escalations += 1;
      }
    }
    // R7: a breach is counted as missed now; a late completion adds only its time.
    await this.outcomes.upsert(
      tx.manager,
      breaches.map(({ ticket, alert }) => ({
        ticketId: ticket.id,
        metric: alert.metric,
        seq: alert.seq,
        dueAt: alert.dueAt,
        completedAt: null,
        met: false,
        level: ticket.level,
        type: ticket.type,
        category: ticket.category,
        department: ticket.department,
      })),
    );
    await this.outbox.insert(tx.manager, events);
    await this.sweeps.addHistory(tx.manager, [...history.values()], now);
    await this.sweeps.updateSchedules(
      tx.manager,
      alerting.map((ticket) => ({
        id: ticket.id,
        nextAlertAt: nextAlertAt(ticket, now, snapshot.timing, lifecycleWakeUps(snapshot, ticket)),
        escalationLevel: Math.max(ticket.escalationLevel, levels.get(ticket.id) ?? 0),
      })),
    );
    return result;
  }

  /**
   * R9: a resolved ticket whose customer did not answer in time is confirmed or closed (lifecycle
   * settings); a confirmed or closed ticket is archived once `archiveAfterDays` have passed.
   */
  private async settle(
    tx: Tx,
    ticket: TicketEntity,
    snapshot: SlaRulesSnapshot,
    now: Date,
  ): Promise<boolean> {
    const ctx = { now, actor: null, rules: rulesFor(snapshot, ticket), newNonce };
    const draft: TicketEntity = { ...ticket };
    let change: transitions.Change;
    if (ticket.status === 'resolved' && ticket.autoCloseAt && ticket.autoCloseAt <= now) {
      const { outcome, autoAfterWorkingDays } = snapshot.lifecycle.confirmation;
      change =
        outcome === 'confirm'
          ? transitions.confirm(draft, ctx, 'auto', {})
          : transitions.close(
              draft,
              ctx,
              {
                reasonCode: 'no_customer_response',
                reason: `the customer did not answer within ${autoAfterWorkingDays} working days of the resolution`,
              },
              true,
            );
    } else {
      const archiveTime = archiveAt(snapshot, ticket);
      if (!archiveTime || archiveTime > now) return false;
      change = transitions.archive(draft, ctx);
    }
    await this.writer.write(tx, ticket, draft, change, snapshot, now, null);
    return true;
  }
}
