/**
 * Issue 14 (8): the built gateway in production with API_DOCS=true serves the Swagger UI, and the UI still
 * loads under the security headers (@fastify/helmet's CSP allows scripts of this origin only, no inline
 * script). Off in production by default: apps/gateway/src/http/http-security.int-spec.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { startPlatform, type RunningPlatform } from '@closeloop/testing';

jest.setTimeout(90_000);

let platform: RunningPlatform;

beforeAll(async () => {
  // Production refuses the development caller-signing keys (decision 0020): a pair of this test's own.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  platform = await startPlatform('http-surface', {
    services: ['gateway'],
    env: {
      NODE_ENV: 'production',
      API_DOCS: 'true',
      JWT_SECRET: 'http-surface-e2e-jwt-secret-0123456789abcdef',
      CONFIRM_LINK_SECRET: 'http-surface-e2e-confirm-link-secret-0123456789',
      ADMIN_PASSWORD: 'http-surface-admin-password',
      CALLER_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      CALLER_PUBLIC_KEYS: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    },
  });
});

afterAll(async () => {
  await platform?.stop();
});

it('serves the OpenAPI document and a Swagger UI whose every script comes from this origin', async () => {
  expect((await fetch(`${platform.gatewayUrl}/api/docs-json`)).status).toBe(200);
  const ui = await fetch(`${platform.gatewayUrl}/api/docs`);
  expect(ui.status).toBe(200);
  const csp = ui.headers.get('content-security-policy')!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(ui.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await ui.text();
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.length).toBeGreaterThan(0);
  for (const [, attributes, body] of scripts) {
    expect(body.trim()).toBe(''); // an inline script would be blocked by script-src 'self'
    const src = /src="([^"]+)"/.exec(attributes)?.[1];
    expect(src).toBeDefined();
    expect(src).not.toMatch(/^(https?:)?\/\//);
    const loaded = await fetch(new URL(src!, `${platform.gatewayUrl}/api/docs`));
    expect(loaded.status).toBe(200);
  }
});
