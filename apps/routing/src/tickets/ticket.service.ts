import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  hasRole,
  TicketEvents,
  type FeedbackReceivedV1,
  type GetTicketRequest,
  type TicketView,
} from '@closeloop/contracts';
import { dueTimes, slaState } from '../sla/due-times';
import type { TicketEntity } from './entities/ticket.entity';
import { RoutingSettings } from '../sla/sla-settings.repository';
import { AssignmentService } from '../dispatch/assignment.service';
import { TicketRepository } from './ticket.repository';

const log = createLogger('tickets');

@Injectable()
export class TicketService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly settings: RoutingSettings,
    private readonly assignment: AssignmentService,
  ) {}

  /**
   * Opens the ticket of a received feedback with the same number, its level and its due times (R1, R2),
   * and emits `ticket.opened.v1` in the same transaction. A second delivery changes nothing.
   */
  async openFromFeedback(feedback: FeedbackReceivedV1, tx: Tx): Promise<void> {
    const receivedAt = new Date(feedback.receivedAt);
    // R1: the policy of the settings as they are now; a later change never moves these due times (R2).
    // G1: the customer's segment as intake knew it at receipt (absent: segment policies do not match).
    const due = dueTimes(
      // Read on the transaction's own connection (see SettingsStore.get).
      await this.settings.get('sla', tx.manager),
      await this.settings.calendars(tx.manager),
      {
        level: feedback.level,
        type: feedback.type,
        channel: feedback.channel,
        segment: feedback.segment ?? null,
      },
      receivedAt,
    );
    const id = randomUUID();
    const openedAt = new Date();
    const created = await this.tickets.insertIfNew(tx.manager, {
      id,
      ticketNo: feedback.ticketNo,
      feedbackId: feedback.feedbackId,
      customerId: feedback.customerId ?? null,
      type: feedback.type,
      category: feedback.category,
      level: feedback.level,
      // I4: intake classified it, so the ticket starts classified (R6).
      status: 'classified',
      department: null,
      assignee: null,
      slaPolicy: due.policy,
      receivedAt,
      dueFirstResponse: due.firstResponse,
      duePlan: due.plan,
      dueResolution: due.resolution,
      nextProgressDue: due.nextProgress,
    });
    if (!created) return;
    await this.tickets.addHistory(tx.manager, {
      ticketId: id,
      at: openedAt,
      actor: null,
      action: 'opened',
      data: {
        level: feedback.level,
        category: feedback.category,
        slaPolicy: due.policy,
        calendar: due.calendar,
      },
    });
    await tx.publish(TicketEvents.opened, {
      ticketId: id,
      ticketNo: feedback.ticketNo,
      feedbackId: feedback.feedbackId,
      customerId: feedback.customerId ?? null,
      type: feedback.type,
      category: feedback.category,
      level: feedback.level,
      status: 'classified',
      slaPolicy: due.policy,
      due: {
        firstResponse: due.firstResponse.toISOString(),
        plan: due.plan.toISOString(),
        ...(due.resolution ? { resolution: due.resolution.toISOString() } : {}),
        progress: due.nextProgress.toISOString(),
      },
      openedAt: openedAt.toISOString(),
    });
    // R3: to its department and, when someone can take it, an agent (ticket.assigned.v1), in this transaction.
    await this.assignment.dispatchNew(tx, {
      ...feedback,
      id,
      customerId: feedback.customerId ?? null,
      urgencyDue: due.firstResponse,
    });
    log.info({ ticketNo: feedback.ticketNo, level: feedback.level, slaPolicy: due.policy }, 'ticket opened');
  }

  async get(request: GetTicketRequest): Promise<TicketView> {
    if (!hasRole(request.caller, 'admin', 'supervisor', 'agent', 'analyst'))
      throw new DomainError('FORBIDDEN');
    const found = await this.tickets.findByNumber(request.ticketNo);
    if (!found) throw new DomainError('TICKET.NOT_FOUND', `no ticket ${request.ticketNo}`);
    const { ticket, history } = found;
    const { dueSoonMinutes } = await this.settings.get('sla');
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
      slaState: slaState(new Date(), openDueTimes(ticket), dueSoonMinutes),
      receivedAt: ticket.receivedAt.toISOString(),
      createdAt: ticket.createdAt.toISOString(),
      history: history.map((entry) => ({
        at: entry.at.toISOString(),
        action: entry.action,
        actor: entry.actor,
        data: entry.data,
      })),
    };
  }
}

/** Statuses in which no SLA clock runs any more (R6, R9). */
const SETTLED = new Set<TicketEntity['status']>(['resolved', 'confirmed', 'archived', 'closed']);

/**
 * The due times still to be met. Until the lifecycle records responses, plans and progress updates
 * (issue 4, lifecycle part), every due time of an unsettled ticket is open.
 */
function openDueTimes(ticket: TicketEntity): Date[] {
  if (SETTLED.has(ticket.status)) return [];
  return [ticket.dueFirstResponse, ticket.duePlan, ticket.nextProgressDue, ticket.dueResolution].filter(
    (due): due is Date => due !== null,
  );
}
