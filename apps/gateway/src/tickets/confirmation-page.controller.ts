import { applyDecorators, Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@closeloop/runtime';
import { CustomerAnswerForm } from '@closeloop/contracts';
import { ReplyBody, ReplyHeaders, ReplyStatus } from '../http/reply.decorators';
import { ConfirmationPageService, type HtmlPage } from './confirmation-page.service';

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

/** The page with its status, under the page's own security headers. */
const Html = () =>
  applyDecorators(
    ReplyStatus((page: HtmlPage) => page.status),
    ReplyHeaders(() => SECURITY_HEADERS),
    ReplyBody((page: HtmlPage) => page.html),
  );

/**
 * R6: the customer's confirmation page `/c/{token}`, public (no login: the signed single-use token is the
 * credential). GET shows the resolution and two buttons; POST records the answer once: confirm, or object
 * (the ticket reopens). Answers are HTML pages, never problem+json: the reader is a customer's browser.
 */
@ApiExcludeController()
@Controller('c')
export class ConfirmationPageController {
  constructor(private readonly pages: ConfirmationPageService) {}

  @Get(':token')
  @Public()
  @Html()
  show(@Param('token') token: string): Promise<HtmlPage> {
    return this.pages.show(token);
  }

  @Post(':token')
  @Public()
  @Html()
  answer(@Param('token') token: string, @Body() form: CustomerAnswerForm): Promise<HtmlPage> {
    return this.pages.answer(token, form);
  }
}
