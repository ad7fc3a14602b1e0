import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_ENV } from '@closeloop/runtime';
import { DomainError, TICKET_NO_PATTERN, type ConfirmationLinkData } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';

/** What a verified token names. */
export interface ConfirmationToken {
  ticketNo: string;
  nonce: string;
  expiresAt: Date;
}

/** Domain separation: a signature made for another purpose with the same key never verifies here. */
const PURPOSE = 'closeloop.confirmation-link.v1.';
const TOKEN = /^([A-Za-z0-9_-]{20,400})\.([A-Za-z0-9_-]{43})$/;

/**
 * R6: the customer's confirmation link `/c/{token}`. The token is `payload.signature`: the payload names the
 * ticket, the resolution's single-use nonce and the expiry; the signature is HMAC-SHA256 with
 * CONFIRM_LINK_SECRET (only the gateway holds it). It carries no personal data. Single use is enforced
 * by routing, which clears the nonce when the link is used or the ticket moves on.
 */
@Injectable()
export class ConfirmationLinks {
  private readonly key: Buffer;
  private readonly baseUrl: string;

  constructor(@Inject(SERVICE_ENV) env: GatewayEnv) {
    this.key = Buffer.from(env.CONFIRM_LINK_SECRET, 'utf8');
    this.baseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  }

  link(data: ConfirmationLinkData): { url: string; path: string; expiresAt: string } {
    const payload = Buffer.from(
      JSON.stringify({
        t: data.ticketNo,
        n: data.nonce,
        e: Math.floor(new Date(data.expiresAt).getTime() / 1000),
      }),
      'utf8',
    ).toString('base64url');
    const path = `/c/${payload}.${this.sign(payload)}`;
    return { url: `${this.baseUrl}${path}`, path, expiresAt: data.expiresAt };
  }

  /** The token's content, or TICKET.LINK_INVALID (forged, altered, garbled) / LINK_EXPIRED. */
  verify(token: string, now = new Date()): ConfirmationToken {
    const match = TOKEN.exec(token);
    if (!match) throw new DomainError('TICKET.LINK_INVALID');
    const [, payload, signature] = match;
    const expected = Buffer.from(this.sign(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DomainError('TICKET.LINK_INVALID');
    }
    let content: { t?: unknown; n?: unknown; e?: unknown };
    try {
      content = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof content;
    } catch {
      throw new DomainError('TICKET.LINK_INVALID');
    }
    const { t, n, e } = content;
    if (
      typeof t !== 'string' ||
      !TICKET_NO_PATTERN.test(t) ||
      typeof n !== 'string' ||
      typeof e !== 'number'
    ) {
      throw new DomainError('TICKET.LINK_INVALID');
    }
    const expiresAt = new Date(e * 1000);
    if (now >= expiresAt) throw new DomainError('TICKET.LINK_EXPIRED');
    return { ticketNo: t, nonce: n, expiresAt };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key)
      .update(PURPOSE + payload)
      .digest('base64url');
  }
}
