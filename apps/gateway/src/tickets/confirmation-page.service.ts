import { Injectable } from '@nestjs/common';
import { RpcClient } from '@closeloop/messaging';
import {
  DomainError,
  RoutingRpc,
  type CustomerAnswerForm,
  type CustomerLinkView,
} from '@closeloop/contracts';
import { ConfirmationLinksService } from './confirmation-links.service';
import { answerPage, donePage, errorPage } from './confirmation-page.html';

/** An HTML answer for the customer's browser: its status and the page. */
export interface HtmlPage {
  status: number;
  html: string;
}

/**
 * R6: the pages of the customer's confirmation link. Every DomainError becomes a page too (never
 * problem+json: the reader is a customer's browser); anything else is a fault and goes to the filter.
 */
@Injectable()
export class ConfirmationPageService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly links: ConfirmationLinksService,
  ) {}

  /** The resolution and two buttons, or why the link no longer works. */
  show(token: string): Promise<HtmlPage> {
    return pageOrError(async () => {
      const { ticketNo, nonce } = this.links.verify(token);
      const view = await this.rpc.request(RoutingRpc.customerLink, { ticketNo, nonce });
      return view.state === 'open' ? { status: 200, html: answerPage(view) } : stateError(view);
    });
  }

  /** Records the answer once: confirm, or object (the ticket reopens). */
  answer(token: string, form: CustomerAnswerForm): Promise<HtmlPage> {
    return pageOrError(async () => {
      const { ticketNo, nonce } = this.links.verify(token);
      const view = await this.rpc.request(RoutingRpc.customerAnswer, {
        ticketNo,
        nonce,
        answer: form.answer,
        ...(form.comment?.trim() ? { comment: form.comment.trim() } : {}),
      });
      return { status: 200, html: donePage(view, true) };
    });
  }
}

async function pageOrError(work: () => Promise<HtmlPage>): Promise<HtmlPage> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return errorFor(error);
  }
}

function stateError(view: CustomerLinkView): HtmlPage {
  return view.state === 'expired'
    ? { status: 410, html: errorPage('expired') }
    : { status: 410, html: donePage(view, false) };
}

function errorFor(error: DomainError): HtmlPage {
  if (error.code === 'TICKET.LINK_EXPIRED') return { status: 410, html: errorPage('expired') };
  if (error.code === 'TICKET.LINK_USED') return { status: 410, html: errorPage('used') };
  if (error.code === 'TICKET.LINK_INVALID' || error.code === 'VALIDATION_FAILED') {
    return { status: 404, html: errorPage('invalid') };
  }
  return { status: error.status >= 500 ? 503 : error.status, html: errorPage('unavailable') };
}
