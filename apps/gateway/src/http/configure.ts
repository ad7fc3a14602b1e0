import { SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApi } from '../openapi';

/** The gateway's HTTP surface: `/api/v1` for the API; `/health` and customers' pages (`/c/…`) outside it. */
export function configureGatewayRoutes(app: NestFastifyApplication): void {
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'livez', 'c/:token'] });
}

/** Routes plus the OpenAPI document and UI at `/api/docs` (JSON at `/api/docs-json`). */
export function configureGatewayHttp(app: NestFastifyApplication): void {
  configureGatewayRoutes(app);
  SwaggerModule.setup('api/docs', app, buildOpenApi(app), { jsonDocumentUrl: 'api/docs-json' });
}
