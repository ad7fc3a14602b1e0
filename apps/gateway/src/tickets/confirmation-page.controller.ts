import { Body, Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RpcClient } from '@closeloop/messaging';
import { Public } from '@closeloop/runtime';
import { CustomerAnswerForm, DomainError, RoutingRpc, type CustomerLinkView } from '@closeloop/contracts';
import { ConfirmationLinksService } from './confirmation-links.service';
import { answerPage, donePage, errorPage } from './confirmation-page.html';

/** Nothing from outside this origin, no scripts, no framing; the token never leaves in a Referer. */
const SECURITY_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

/**
 * R6: the customer's confirmation page `/c/{token}`, public (no login: the signed single-use token is the
 * credential). GET shows the resolution and two buttons; POST records the answer once: confirm, or object
 * (the ticket reopens). Answers are HTML pages, never problem+json: the reader is a customer's browser.
 */
@ApiExcludeController()
@Controller('c')
export class ConfirmationPageController {
  constructor(
    private readonly rpc: RpcClient,
    private readonly links: ConfirmationLinksService,
  ) {}

  @Get(':token')
  @Public()
  async show(
    @Param('token') token: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.render(reply, async () => {
      const { ticketNo, nonce } = this.links.verify(token);
      const view = await this.rpc.request(RoutingRpc.customerLink, { ticketNo, nonce });
      return view.state === 'open' ? [200, answerPage(view)] : stateError(view);
    });
  }

  @Post(':token')
  @Public()
  async answer(
    @Param('token') token: string,
    @Body() form: CustomerAnswerForm,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.render(reply, async () => {
      const { ticketNo, nonce } = this.links.verify(token);
      const view = await this.rpc.request(RoutingRpc.customerAnswer, {
        ticketNo,
        nonce,
        answer: form.answer,
        ...(form.comment?.trim() ? { comment: form.comment.trim() } : {}),
      });
      return [200, donePage(view, true)];
    });
  }

  private async render(reply: FastifyReply, work: () => Promise<[number, string]>): Promise<string> {
    let status: number;
    let html: string;
    try {
      [status, html] = await work();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      [status, html] = errorFor(error);
    }
    void reply.status(status).headers(SECURITY_HEADERS);
    return html;
  }
}

function stateError(view: CustomerLinkView): [number, string] {
  return view.state === 'expired' ? [410, errorPage('expired')] : [410, donePage(view, false)];
}

function errorFor(error: DomainError): [number, string] {
  if (error.code === 'TICKET.LINK_EXPIRED') return [410, errorPage('expired')];
  if (error.code === 'TICKET.LINK_USED') return [410, errorPage('used')];
  if (error.code === 'TICKET.LINK_INVALID' || error.code === 'VALIDATION_FAILED') {
    return [404, errorPage('invalid')];
  }
  return [error.status >= 500 ? 503 : error.status, errorPage('unavailable')];
}
