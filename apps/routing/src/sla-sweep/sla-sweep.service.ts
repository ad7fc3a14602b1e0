import { Injectable } from '@nestjs/common';
import { UnitOfWork, type Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import type { RoutingEnv } from '../routing.env';
import { OrgDirectoryService } from '../org/org-directory.service';
import type { TicketEntity } from '../tickets/entities/ticket.entity';
import { newNonce } from '../tickets/ticket-lifecycle.service';
import { TicketWriter } from '../tickets/ticket.writer';
import * as transitions from '../tickets/transitions';
import { EscalationTargets } from '../sla/escalation-targets';
import { alertsDue, nextAlertAt } from '../sla/sla-clock';
import { SlaOutcomeRepository, type OutcomeRow } from '../sla/sla-outcome.repository';
import { archiveAt, lifecycleWakeUps, rulesFor, type SlaRulesSnapshot } from '../tickets/sla-rules';
import { SlaRulesService } from '../tickets/sla-rules.service';
import { SlaAlertWriter, type TicketAlert } from './sla-alert.writer';
import { SlaSweepRepository } from './sla-sweep.repository';

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

/** R7: the outcome of a breached due time: missed, not completed (yet). */
const missed = ({ ticket, alert }: TicketAlert): OutcomeRow => ({
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
});

/**
 * R7, R9: the SLA sweep. Each ticket stores when the sweep next has work for it (`next_alert_at`); a pass
 * claims the tickets whose time has come (row locks, SKIP LOCKED: replicas share the work, never repeat
 * it), fires their warnings, breaches and escalations once each (the `sla_alerts` unique key), settles
 * resolved tickets the customer never answered, archives finished ones, and stores each ticket's next
 * time — all in one transaction per batch, its events published in it (`tx.publish`: the outbox).
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
    private readonly alerts: SlaAlertWriter,
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
      // Its events go through tx.publish: the unit of work wakes the relay after the commit.
      const result = await this.uow.run((tx) => this.batch(tx, now, batchSize, snapshot, targets));
      for (const k of Object.keys(total) as (keyof SweepResult)[]) total[k] += result[k];
      if (result.tickets < batchSize) break;
    }
    if (total.tickets > 0) log.info({ ...total, at: now.toISOString() }, 'sla sweep');
    return total;
  }

  /**
   * One batch of the sweep, in one transaction: the tickets whose sweep time has come, settled (R9) or
   * alerted (R7), and each one's next sweep time.
   */
  private async batch(
    tx: Tx,
    now: Date,
    limit: number,
    snapshot: SlaRulesSnapshot,
    targets: EscalationTargets,
  ): Promise<SweepResult> {
    // R7, R9: the tickets with sweep work due, locked for this batch (other replicas take others).
    const tickets = await this.sweeps.claimDue(tx.manager, now, limit);
    const result = { ...none(), tickets: tickets.length };
    if (tickets.length === 0) return result;
    const alerting: TicketEntity[] = [];
    for (const ticket of tickets) {
      // R9: an unanswered resolution is settled, a finished ticket archived; neither has alerts left.
      if (await this.settle(tx, ticket, snapshot, now)) result.settled += 1;
      else alerting.push(ticket);
    }
    // R7: warnings before a due time, the breach at it, escalations up the department chain after it.
    const due = alerting.flatMap((ticket) =>
      alertsDue(ticket, now, snapshot.timing).map((alert) => ({ ticket, alert })),
    );
    // R7: each fires once across passes and replicas; only those fired now are announced.
    const fired = await this.alerts.fire(tx, due, targets, now);
    // R7: a breach is counted as missed now; a late completion adds only its time.
    await this.outcomes.upsert(tx.manager, fired.breaches.map(missed));
    // R7, R9: each ticket's next sweep time (its next alert or lifecycle step) and the level it reached.
    await this.sweeps.updateSchedules(
      tx.manager,
      alerting.map((ticket) => ({
        id: ticket.id,
        nextAlertAt: nextAlertAt(ticket, now, snapshot.timing, lifecycleWakeUps(snapshot, ticket)),
        escalationLevel: Math.max(ticket.escalationLevel, fired.levels.get(ticket.id) ?? 0),
      })),
    );
    return {
      ...result,
      warnings: fired.warnings,
      breaches: fired.breaches.length,
      escalations: fired.escalations,
    };
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
