import { DomainError } from '@closeloop/contracts';
import type { GatewayEnv } from '../gateway.env';
import { ConfirmationLinksService } from './confirmation-links.service';

const env = (secret: string, previous: string[] = []) =>
  ({
    CONFIRM_LINK_SECRET: secret,
    CONFIRM_LINK_PREVIOUS_SECRETS: previous,
    PUBLIC_BASE_URL: 'https://cx.example.com/',
  }) as GatewayEnv;
const links = new ConfirmationLinksService(env('a-test-secret-that-is-long-enough-123'));
const data = {
  ticketNo: '202612010001',
  nonce: 'q1w2e3r4t5y6u7i8o9p0as',
  expiresAt: '2026-12-08T10:00:00.000Z',
};
const code = (run: () => unknown) => {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return (error as DomainError).code;
  }
};

describe('confirmation links (R6)', () => {
  it('signs a short link under the public base URL and reads it back', () => {
    const link = links.link(data);
    expect(link.url).toBe(`https://cx.example.com${link.path}`);
    expect(link.path.length).toBeLessThan(100); // a URL path segment Fastify accepts, and fits an SMS
    const token = link.path.slice(3);
    expect(links.verify(token, new Date('2026-12-02T00:00:00Z'))).toEqual({
      ticketNo: data.ticketNo,
      nonce: data.nonce,
      expiresAt: new Date(data.expiresAt),
    });
  });

  it('refuses altered, foreign and garbled tokens, and expired ones', () => {
    const token = links.link(data).path.slice(3);
    const now = new Date('2026-12-02T00:00:00Z');
    const otherTicket = token.replace('202612010001', '202612010002');
    const longer = token.replace(
      /\.[0-9a-z]+\./,
      (m) => `.${(parseInt(m.slice(1, -1), 36) + 86_400).toString(36)}.`,
    );
    expect(code(() => links.verify(otherTicket, now))).toBe('TICKET.LINK_INVALID');
    expect(code(() => links.verify(longer, now))).toBe('TICKET.LINK_INVALID'); // the expiry is signed too
    const foreign = new ConfirmationLinksService(env('another-secret-that-is-long-enough-456'));
    expect(code(() => foreign.verify(token, now))).toBe('TICKET.LINK_INVALID');
    expect(code(() => links.verify('nonsense', now))).toBe('TICKET.LINK_INVALID');
    expect(code(() => links.verify(token, new Date(data.expiresAt)))).toBe('TICKET.LINK_EXPIRED');
  });

  it('after a rotation, still reads links the previous secret signed, and signs new ones with the new secret', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    const before = links.link(data).path.slice(3);
    const rotated = new ConfirmationLinksService(
      env('the-new-secret-that-is-long-enough-4567', ['a-test-secret-that-is-long-enough-123']),
    );
    expect(code(() => rotated.verify(before, now))).toBe('accepted');
    const after = rotated.link(data).path.slice(3);
    expect(after).not.toBe(before);
    // Once the old secret is dropped, its links no longer verify; the new ones do.
    const dropped = new ConfirmationLinksService(env('the-new-secret-that-is-long-enough-4567'));
    expect(code(() => dropped.verify(before, now))).toBe('TICKET.LINK_INVALID');
    expect(code(() => dropped.verify(after, now))).toBe('accepted');
  });
});
