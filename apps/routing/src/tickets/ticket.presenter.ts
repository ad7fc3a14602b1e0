import type { SlaOutcomeView, TicketSummaryView, TicketView } from '@closeloop/contracts';
import type { SlaOutcomeEntity } from '../sla/entities/sla-outcome.entity';
import { ticketSlaState } from '../sla/sla-clock';
import type { TicketHistoryEntity } from '../ticket-history/entities/ticket-history.entity';
import type { TicketEntity } from './entities/ticket.entity';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Entity -> API view (R2: level, every due time, SLA state; R4 plan; R7 outcomes). */
export function toSummaryView(ticket: TicketEntity, now: Date, dueSoonMinutes: number): TicketSummaryView {
  return {
    ticketNo: ticket.ticketNo,
    status: ticket.status,
    level: ticket.level,
    type: ticket.type,
    category: ticket.category,
    department: ticket.department,
    assignee: ticket.assignee,
    customerId: ticket.customerId,
    slaPolicy: ticket.slaPolicy,
    due: {
      firstResponse: ticket.dueFirstResponse.toISOString(),
      plan: ticket.duePlan.toISOString(),
      ...(ticket.dueResolution ? { resolution: ticket.dueResolution.toISOString() } : {}),
      ...(ticket.nextProgressDue ? { progress: ticket.nextProgressDue.toISOString() } : {}),
    },
    slaState: ticketSlaState(ticket, now, dueSoonMinutes),
    nextDue: iso(ticket.nextDueAt),
    pausedSince: iso(ticket.pausedAt),
    escalationLevel: ticket.escalationLevel,
    round: ticket.round,
    plan:
      ticket.planWhat !== null && ticket.planDueBy && ticket.planUpdatedAt
        ? {
            what: ticket.planWhat,
            ownerId: ticket.planOwner,
            dueBy: ticket.planDueBy.toISOString(),
            at: ticket.planUpdatedAt.toISOString(),
          }
        : null,
    respondedAt: iso(ticket.respondedAt),
    resolvedAt: iso(ticket.resolvedAt),
    autoCloseAt: iso(ticket.autoCloseAt),
    confirmedAt: iso(ticket.confirmedAt),
    closedAt: iso(ticket.closedAt),
    closeReason:
      ticket.closeReasonCode !== null
        ? { code: ticket.closeReasonCode, text: ticket.closeReason ?? '' }
        : null,
    archivedAt: iso(ticket.archivedAt),
    amounts: { claimedFen: ticket.claimedFen, compensationFen: ticket.compensationFen },
    receivedAt: ticket.receivedAt.toISOString(),
    createdAt: ticket.createdAt.toISOString(),
    version: ticket.version,
  };
}

export function toView(
  ticket: TicketEntity,
  history: readonly TicketHistoryEntity[],
  outcomes: readonly SlaOutcomeEntity[],
  now: Date,
  dueSoonMinutes: number,
): TicketView {
  return {
    ...toSummaryView(ticket, now, dueSoonMinutes),
    outcomes: outcomes.map((outcome): SlaOutcomeView => ({
      metric: outcome.metric,
      seq: outcome.seq,
      dueAt: outcome.dueAt.toISOString(),
      completedAt: iso(outcome.completedAt),
      met: outcome.met,
    })),
    history: history.map((entry) => ({
      at: entry.at.toISOString(),
      action: entry.action,
      actor: entry.actor,
      data: entry.data,
    })),
  };
}
