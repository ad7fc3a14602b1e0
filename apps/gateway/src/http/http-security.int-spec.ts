/**
 * Issue 14 (8): what the public port gives away. Security headers on every answer (@fastify/helmet), the
 * confirmation page keeping its own stricter CSP, the OpenAPI UI and document off in production unless
 * API_DOCS=true, and a public /health that says which dependency is down without its error text (the
 * text is on the internal metrics port only).
 */
import { createServer } from 'node:net';
import type { NatsConnection } from '@nats-io/nats-core';
import { NATS_CONNECTION } from '@closeloop/runtime';
import { createTestScope, type InProcessService, type TestScope } from '@closeloop/testing';
import { startGateway } from '../testing/gateway-fixtures';
import { apiDocsEnabled, configureGatewayHttp } from './configure';

jest.setTimeout(60_000);

let scope: TestScope;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A gateway as main.ts configures it, under the given NODE_ENV and API_DOCS. */
async function gateway(docs: { NODE_ENV: string; API_DOCS: string }, env: Record<string, string> = {}) {
  return startGateway(scope, { env, configure: (app) => configureGatewayHttp(app, docs) });
}

beforeAll(async () => {
  scope = await createTestScope('gateway-http-security');
});

afterAll(() => scope?.close());

it('decides on the API docs: on outside production, off in production unless API_DOCS=true', () => {
  expect(apiDocsEnabled({ API_DOCS: 'auto', NODE_ENV: 'development' })).toBe(true);
  expect(apiDocsEnabled({ API_DOCS: 'auto', NODE_ENV: 'production' })).toBe(false);
  expect(apiDocsEnabled({ API_DOCS: 'true', NODE_ENV: 'production' })).toBe(true);
  expect(apiDocsEnabled({ API_DOCS: 'false', NODE_ENV: 'development' })).toBe(false);
});

describe('production', () => {
  let service: InProcessService;

  beforeAll(async () => {
    service = await gateway({ NODE_ENV: 'production', API_DOCS: 'auto' });
  });

  it('serves no OpenAPI UI or document unless enabled (the enabled case: test/security/http-surface)', async () => {
    expect((await fetch(`${service.url}/api/docs`)).status).toBe(404);
    expect((await fetch(`${service.url}/api/docs-json`)).status).toBe(404);
  });

  it('sends security headers on API answers and on /health', async () => {
    const token = await fetch(`${service.url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
    });
    expect(token.status).toBe(401);
    for (const response of [token, await fetch(`${service.url}/health`)]) {
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });

  it("keeps the confirmation page's own stricter CSP", async () => {
    const page = await fetch(`${service.url}/c/not-a-valid-token`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('/health when NATS is gone', () => {
  it('says which dependency is down on the public port, and the error text only on the metrics port', async () => {
    const metricsPort = await freePort();
    const service = await gateway(
      { NODE_ENV: 'test', API_DOCS: 'false' },
      { METRICS_PORT: String(metricsPort) },
    );
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
    await service.app.get<NatsConnection>(NATS_CONNECTION).close();

    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: 'postgres up; nats down' });
    expect(JSON.stringify(body)).not.toMatch(/closed|CONNECTION|127\.0\.0\.1|4222/i);

    const internal = await fetch(`http://127.0.0.1:${metricsPort}/health`);
    expect(internal.status).toBe(503);
    const report = (await internal.json()) as { checks: { postgres: string; nats: string } };
    expect(report.checks.postgres).toBe('up');
    expect(report.checks.nats).toMatch(/^down: .+/);
  });
});
