import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@closeloop/messaging';
import { createLogger } from '@closeloop/observability';
import {
  DomainError,
  type ConfirmationLinkData,
  type ConfirmationLinkRequest,
  type CustomerAnswerRequest,
  type CustomerLinkRequest,
  type CustomerLinkView,
} from '@closeloop/contracts';
import { rulesFor } from './sla-rules';
import { SlaRulesService } from './sla-rules.service';
import type { TicketEntity } from './entities/ticket.entity';
import { mayAct, maySee } from './ticket-access';
import { TicketRepository } from './ticket.repository';
import { TicketWriter } from './ticket.writer';
import { newNonce } from './ticket-lifecycle.service';
import * as transitions from './transitions';

const log = createLogger('confirmation');

/**
 * R6: the customer confirms or objects through a single-use link. The gateway signs and verifies the
 * link's token (it alone holds the key); routing holds the token's nonce on the resolved ticket and clears
 * it when used, or when the ticket moves on, so a link works once and only for the resolution it was made
 * for. Links expire when the R9 rule would settle the ticket anyway (`autoCloseAt`).
 */
@Injectable()
export class ConfirmationService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly tickets: TicketRepository,
    private readonly writer: TicketWriter,
    private readonly rules: SlaRulesService,
  ) {}

  /** For staff: what the link of a resolved ticket names, for the gateway to sign. */
  async link(request: ConfirmationLinkRequest): Promise<ConfirmationLinkData> {
    const ticket = await this.tickets.findByNumber(request.ticketNo);
    if (!ticket || !maySee(request.caller, ticket)) {
      throw new DomainError('TICKET.NOT_FOUND', `no ticket ${request.ticketNo}`);
    }
    if (!mayAct(request.caller, ticket)) throw new DomainError('FORBIDDEN');
    if (ticket.status !== 'resolved' || !ticket.confirmNonce || !ticket.autoCloseAt) {
      throw new DomainError(
        'TICKET.INVALID_TRANSITION',
        `ticket ${ticket.ticketNo} is ${ticket.status}: only a resolved ticket waits for the customer's answer`,
      );
    }
    return {
      ticketNo: ticket.ticketNo,
      nonce: ticket.confirmNonce,
      expiresAt: ticket.autoCloseAt.toISOString(),
    };
  }

  /** The public page's view of a link. */
  async view(request: CustomerLinkRequest): Promise<CustomerLinkView> {
    const ticket = await this.tickets.findByNumber(request.ticketNo);
    if (!ticket) throw new DomainError('TICKET.LINK_INVALID');
    return linkView(ticket, linkState(ticket, request.nonce, new Date()));
  }

  /** The customer's answer: confirm, or object (the ticket reopens). Works once. */
  async answer(request: CustomerAnswerRequest): Promise<CustomerLinkView> {
    const now = new Date();
    const ticket = await this.uow.run(async (tx) => {
      const locked = await this.tickets.lockByNumber(tx.manager, request.ticketNo);
      if (!locked) throw new DomainError('TICKET.LINK_INVALID');
      const state = linkState(locked, request.nonce, now);
      if (state === 'used') throw new DomainError('TICKET.LINK_USED');
      if (state === 'expired') throw new DomainError('TICKET.LINK_EXPIRED');
      const snapshot = await this.rules.read(tx.manager);
      const draft: TicketEntity = { ...locked };
      const ctx = { now, actor: null, rules: rulesFor(snapshot, locked), newNonce };
      const input = request.comment ? { note: request.comment, reason: request.comment } : {};
      const change =
        request.answer === 'confirm'
          ? transitions.confirm(draft, ctx, 'link', input)
          : transitions.object(draft, ctx, 'link', input);
      await this.writer.write(tx, locked, draft, change, snapshot, now, null);
      return draft;
    });
    log.info(
      { ticketNo: ticket.ticketNo, answer: request.answer },
      'customer answered the confirmation link',
    );
    return linkView(ticket, 'used');
  }
}

function linkState(ticket: TicketEntity, nonce: string, now: Date): CustomerLinkView['state'] {
  // The token's signature was checked by the gateway: a nonce that no longer matches was used or replaced.
  if (ticket.status !== 'resolved' || ticket.confirmNonce !== nonce) return 'used';
  if (ticket.autoCloseAt && now >= ticket.autoCloseAt) return 'expired';
  return 'open';
}

function linkView(ticket: TicketEntity, state: CustomerLinkView['state']): CustomerLinkView {
  return {
    ticketNo: ticket.ticketNo,
    category: ticket.category,
    receivedAt: ticket.receivedAt.toISOString(),
    resolvedAt: ticket.resolvedAt?.toISOString() ?? null,
    summary: ticket.resolutionSummary,
    state,
    status: ticket.status,
  };
}
