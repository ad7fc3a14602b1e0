import helmet from '@fastify/helmet';
import { SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApi } from '../openapi';

/**
 * The gateway's HTTP surface: `/api/v1` for the API; `/health` and customers' pages (`/c/…`) outside it.
 * Security headers on every answer (@fastify/helmet): HSTS, nosniff, no framing, no Referer across origins, and
 * a same-origin CSP that the Swagger UI works under (its scripts and styles are files of this origin; helmet's
 * default allows its inline styles). The confirmation page `/c/…` replaces the CSP with its own stricter one.
 */
export async function configureGatewayRoutes(app: NestFastifyApplication): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
  });
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'livez', 'c/:token'] });
}

/** Whether to serve the OpenAPI document and UI: `API_DOCS=true|false`, or by default only outside production. */
export function apiDocsEnabled(env: { API_DOCS: string; NODE_ENV: string }): boolean {
  return env.API_DOCS === 'auto' ? env.NODE_ENV !== 'production' : env.API_DOCS === 'true';
}

/** Routes plus, when enabled, the OpenAPI document and UI at `/api/docs` (JSON at `/api/docs-json`). */
export async function configureGatewayHttp(
  app: NestFastifyApplication,
  env: { API_DOCS: string; NODE_ENV: string },
): Promise<void> {
  await configureGatewayRoutes(app);
  if (apiDocsEnabled(env)) {
    SwaggerModule.setup('api/docs', app, buildOpenApi(app), { jsonDocumentUrl: 'api/docs-json' });
  }
}
