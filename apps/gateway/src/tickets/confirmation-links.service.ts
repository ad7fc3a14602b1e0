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
/** `<ticketNo>.<nonce>.<expiry, base 36 seconds>.<signature>`: short enough for an SMS and a URL path. */
const TOKEN = /^(\d{12,20})\.([A-Za-z0-9_-]{16,64})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/;
/** The HMAC-SHA256 truncated to 128 bits (RFC 2104 section 5 allows truncation to half the output). */
const SIGNATURE_BYTES = 16;

/**
 * R6: the customer's confirmation link `/c/{token}`. The token names the ticket, the resolution's
 * single-use nonce and the expiry, and is signed with CONFIRM_LINK_SECRET (HMAC-SHA256; only the gateway
 * holds the key). It carries no personal data. Single use is enforced by routing, which clears the nonce
 * when the link is used or the ticket moves on.
 */
@Injectable()
export class ConfirmationLinksService {
  /** The current key signs; every key verifies (the current first, then CONFIRM_LINK_PREVIOUS_SECRETS). */
  private readonly keys: Buffer[];
  private readonly baseUrl: string;

  constructor(@Inject(SERVICE_ENV) env: GatewayEnv) {
    this.keys = [env.CONFIRM_LINK_SECRET, ...(env.CONFIRM_LINK_PREVIOUS_SECRETS ?? [])].map((secret) =>
      Buffer.from(secret, 'utf8'),
    );
    this.baseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  }

  link(data: ConfirmationLinkData): { url: string; path: string; expiresAt: string } {
    const expiry = Math.floor(new Date(data.expiresAt).getTime() / 1000).toString(36);
    const payload = `${data.ticketNo}.${data.nonce}.${expiry}`;
    const path = `/c/${payload}.${this.sign(this.keys[0], payload)}`;
    return { url: `${this.baseUrl}${path}`, path, expiresAt: data.expiresAt };
  }

  /** The token's content, or TICKET.LINK_INVALID (forged, altered, garbled) / LINK_EXPIRED. */
  verify(token: string, now = new Date()): ConfirmationToken {
    const match = TOKEN.exec(token);
    if (!match) throw new DomainError('TICKET.LINK_INVALID');
    const [, ticketNo, nonce, expiry, signature] = match;
    const given = Buffer.from(signature, 'utf8');
    const signedBy = (key: Buffer) => {
      const expected = Buffer.from(this.sign(key, `${ticketNo}.${nonce}.${expiry}`), 'utf8');
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    if (!this.keys.some(signedBy)) throw new DomainError('TICKET.LINK_INVALID');
    if (!TICKET_NO_PATTERN.test(ticketNo)) throw new DomainError('TICKET.LINK_INVALID');
    const expiresAt = new Date(parseInt(expiry, 36) * 1000);
    if (now >= expiresAt) throw new DomainError('TICKET.LINK_EXPIRED');
    return { ticketNo, nonce, expiresAt };
  }

  private sign(key: Buffer, payload: string): string {
    return createHmac('sha256', key)
      .update(PURPOSE + payload)
      .digest()
      .subarray(0, SIGNATURE_BYTES)
      .toString('base64url');
  }
}
