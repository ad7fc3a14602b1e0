import { Injectable } from '@nestjs/common';
import type { Tx } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  PAGE_LIMIT,
  TicketEvents,
  type FeedbackReceivedV1,
  type GetTicketRequest,
  type ListTicketsRequest,
  type Page,
  type TicketSummaryView,
  type TicketView,
} from '@closeloop/contracts';
import { SlaOutcomeRepository } from '../sla/sla-outcome.repository';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';
import { SlaRulesService } from './sla-rules.service';
import { AssignmentService } from '../dispatch/assignment.service';
import type { DispatchDecision } from '../dispatch/dispatch-rules';
import { isStaff, maySee, visibilityOf } from './ticket-access';
import { decodeTicketCursor, encodeTicketCursor } from './ticket-cursor';
import { newTicket } from './ticket-opening';
import { TicketOpeningWriter, type TicketOpening } from './ticket-opening.writer';
import { TicketRepository } from './ticket.repository';
import { deferTicketHistory } from '../ticket-history/ticket-history';
import type { TicketEntity } from './entities/ticket.entity';
import { toSummaryView, toView } from './ticket.presenter';

const log = createLogger('tickets');

/** A `feedback.received.v1` to open a ticket for, with its correlation id when it came in a batch. */
export interface ReceivedFeedback {
  feedback: FeedbackReceivedV1;
  correlationId?: string;
}

/** A ticket being opened, with the feedback and the dispatch decision it came from. */
interface Opening extends TicketOpening {
  feedback: FeedbackReceivedV1;
  decision: DispatchDecision;
}

@Injectable()
export class TicketService {
  constructor(
    private readonly tickets: TicketRepository,
    private readonly outcomes: SlaOutcomeRepository,
    private readonly settings: RoutingSettingsRepository,
    private readonly rules: SlaRulesService,
    private readonly assignment: AssignmentService,
    private readonly openings: TicketOpeningWriter,
  ) {}

  /**
   * Opens the tickets of received feedback, each with the same number, its level and its due times (R1,
   * R2), born in the department the dispatch rules choose (R3), and emits `ticket.opened.v1` for each in
   * the same transaction. The feedback of a consumer batch is opened together (TicketOpeningWriter). A
   * feedback that already has its ticket changes nothing.
   */
  async openFromFeedback(received: readonly ReceivedFeedback[], tx: Tx): Promise<void> {
    // R1: the policy of the settings as they are now; a later change never moves these due times (R2).
    // Read on the transaction's own connection (see SettingsStore.get).
    const rules = await this.rules.read(tx.manager);
    const openedAt = new Date();
    const openings: Opening[] = [];
    for (const { feedback, correlationId } of received) {
      // R3: born in the department the dispatch rules send it to.
      const decision = await this.assignment.decide(tx, feedback);
      // R1, I4, R7: classified, with its level's due times and the sweep's first look.
      const ticket = newTicket(feedback, decision.department, rules, openedAt);
      openings.push({ ...ticket, feedback, decision, correlationId });
    }
    await this.openings.open(tx, openings, (opening) => this.opened(tx, opening, openedAt));
  }

  /** History, `ticket.opened.v1` and dispatch of a ticket just inserted. */
  private async opened(
    tx: Tx,
    { feedback, row: ticket, decision, due }: Opening,
    openedAt: Date,
  ): Promise<void> {
    deferTicketHistory(tx, {
      ticketId: ticket.id,
      at: openedAt,
      actor: null,
      action: 'opened',
      data: {
        level: ticket.level,
        category: ticket.category,
        slaPolicy: ticket.slaPolicy,
        calendar: ticket.slaCalendar,
      },
    });
    await tx.publish(TicketEvents.opened, {
      ticketId: ticket.id,
      ticketNo: ticket.ticketNo,
      feedbackId: ticket.feedbackId,
      customerId: ticket.customerId,
      type: ticket.type,
      category: ticket.category,
      level: ticket.level,
      status: 'classified',
      slaPolicy: ticket.slaPolicy,
      due: {
        firstResponse: due.firstResponse.toISOString(),
        plan: due.plan.toISOString(),
        ...(due.resolution ? { resolution: due.resolution.toISOString() } : {}),
        progress: due.nextProgress.toISOString(),
      },
      openedAt: openedAt.toISOString(),
    });
    // R3: to an agent of its department when someone can take it, else its queue (ticket.assigned.v1).
    await this.assignment.dispatchNew(
      tx,
      { ...feedback, id: ticket.id, customerId: ticket.customerId, urgencyDue: due.firstResponse },
      decision,
    );
    log.info(
      { ticketNo: ticket.ticketNo, level: ticket.level, slaPolicy: ticket.slaPolicy },
      'ticket opened',
    );
  }

  /** R2: the ticket with its due times, SLA state, outcomes and history; 404 when the caller may not see it. */
  async get(request: GetTicketRequest): Promise<TicketView> {
    if (!isStaff(request.caller)) throw new DomainError('FORBIDDEN');
    const ticket = await this.tickets.findByNumber(request.ticketNo);
    // Another department's ticket answers exactly like a missing one: its existence is not disclosed.
    if (!ticket || !maySee(request.caller, ticket)) {
      throw new DomainError('TICKET.NOT_FOUND', `no ticket ${request.ticketNo}`);
    }
    return this.view(ticket);
  }

  /**
   * The answer to a change the caller just made: the ticket as it is now, even when the change took it
   * out of the caller's departments (a reclassification, I4), since they caused where it went.
   */
  async afterChange(ticketNo: string): Promise<TicketView> {
    const ticket = await this.tickets.findByNumber(ticketNo);
    if (!ticket) throw new DomainError('TICKET.NOT_FOUND', `no ticket ${ticketNo}`);
    return this.view(ticket);
  }

  private async view(ticket: TicketEntity): Promise<TicketView> {
    const history = await this.tickets.history(ticket.id);
    const outcomes = await this.outcomes.forTicket(ticket.id);
    const { dueSoonMinutes } = await this.settings.get('sla');
    return toView(ticket, history, outcomes, new Date(), dueSoonMinutes);
  }

  /** The tickets the caller may see, filtered, newest first or earliest due first, a page at a time. */
  async list(request: ListTicketsRequest): Promise<Page<TicketSummaryView>> {
    if (!isStaff(request.caller)) throw new DomainError('FORBIDDEN');
    const sort = request.sort ?? 'received';
    const after = request.cursor ? decodeTicketCursor(request.cursor, sort) : null;
    const limit = request.limit ?? PAGE_LIMIT.default;
    const now = new Date();
    const { dueSoonMinutes } = await this.settings.get('sla');
    const rows = await this.tickets.list(
      visibilityOf(request.caller),
      {
        status: request.status,
        level: request.level,
        department: request.department,
        assignee: request.assignee,
        customerId: request.customerId,
        dueBefore: request.dueBefore ? new Date(request.dueBefore) : undefined,
        slaState: request.slaState,
      },
      now,
      dueSoonMinutes * 60_000,
      sort,
      after,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((ticket) => toSummaryView(ticket, now, dueSoonMinutes)),
      nextCursor: rows.length > limit && last ? encodeTicketCursor(sort, last) : null,
    };
  }
}
