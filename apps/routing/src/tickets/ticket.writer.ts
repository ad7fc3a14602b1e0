import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { AssignmentService } from '../dispatch/assignment.service';
import { WORKING_STATUSES } from '../sla/sla-clock';
import { SlaOutcomeRepository } from '../sla/sla-outcome.repository';
import { scheduleOf, type SlaRulesSnapshot } from './sla-rules';
import type { TicketEntity } from './entities/ticket.entity';
import { TicketRepository, type TicketState } from './ticket.repository';
import { insertTicketHistory } from '../ticket-history/ticket-history';
import type { Change } from './transitions';

/**
 * The columns a lifecycle change may write. Identity and the feedback's facts (receipt, channel, segment)
 * never change; the classification and the promise change only by a reclassification (I4).
 */
const STATE_COLUMNS = [
  'customerId',
  'type',
  'category',
  'level',
  'slaPolicy',
  'slaCalendar',
  'slaTargets',
  'status',
  'department',
  'assignee',
  'dueFirstResponse',
  'duePlan',
  'dueResolution',
  'nextProgressDue',
  'round',
  'respondedAt',
  'plannedAt',
  'planWhat',
  'planOwner',
  'planDueBy',
  'planUpdatedAt',
  'lastProgressAt',
  'progressSeq',
  'resolvedAt',
  'resolutionSummary',
  'autoCloseAt',
  'confirmNonce',
  'confirmedAt',
  'closedAt',
  'closeReasonCode',
  'closeReason',
  'archivedAt',
  'pausedAt',
  'nextDueAt',
  'nextAlertAt',
  'escalationLevel',
  'claimedFen',
  'compensationFen',
] as const satisfies readonly (keyof TicketState)[];

function stateOf(draft: TicketEntity): TicketState {
  return Object.fromEntries(STATE_COLUMNS.map((column) => [column, draft[column]])) as TicketState;
}

/**
 * Commits a lifecycle change in the caller's transaction: the ticket's new state and schedule, its history
 * entry, the met/missed record (R7) and the events (outbox), all or nothing.
 */
@Injectable()
export class TicketWriter {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly outcomes: SlaOutcomeRepository,
    private readonly assignment: AssignmentService,
  ) {}

  async write(
    tx: Tx,
    before: TicketEntity,
    draft: TicketEntity,
    change: Change,
    snapshot: SlaRulesSnapshot,
    now: Date,
    actor: string | null,
  ): Promise<number> {
    Object.assign(draft, scheduleOf(snapshot, draft, now));
    const version = await this.tickets.saveState(tx.manager, before, stateOf(draft), true);
    await insertTicketHistory(tx.manager, {
      ticketId: draft.id,
      at: now,
      actor,
      action: change.action,
      data: change.data,
    });
    await this.outcomes.upsert(
      tx.manager,
      change.completed.map((metric) => ({
        ticketId: draft.id,
        metric: metric.metric,
        seq: metric.seq,
        dueAt: metric.dueAt,
        completedAt: metric.completedAt,
        met: metric.met,
        level: draft.level,
        type: draft.type,
        category: draft.category,
        department: draft.department,
      })),
    );
    for (const event of change.events) {
      await tx.publish(event.definition, event.data, event.id === undefined ? undefined : { id: event.id });
    }
    // R3: a ticket leaving an agent's load (resolved, closed) or coming back (reopened) frees or takes
    // capacity; assignment hands queued tickets to the agent in this same transaction.
    const inLoadBefore = WORKING_STATUSES.has(before.status);
    if (draft.assignee && inLoadBefore !== WORKING_STATUSES.has(draft.status)) {
      await this.assignment.onLoadChanged(tx, draft.assignee);
    }
    return version;
  }
}
