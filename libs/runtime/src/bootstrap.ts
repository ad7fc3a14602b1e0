import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, Type } from '@nestjs/common';
import {
  CORRELATION_HEADER,
  NestPinoLogger,
  acceptCorrelationId,
  createLogger,
  errorFields,
  runWithContext,
} from '@closeloop/observability';
import { connectMessagingTransport } from './messaging-transport';
import { ServiceMetrics } from './metrics';
import { ProblemFilter } from './problem';

export interface BootstrapOptions {
  service: string;
  host: string;
  port: number;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
  /** `TRUST_PROXY`: 'false', 'true', or proxy addresses/CIDRs, comma separated. */
  trustProxy?: string;
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

const log = createLogger('bootstrap');

/**
 * Creates the service's Nest app on Fastify with structured logs, a correlation id per request (from the
 * `x-correlation-id` header or new), problem+json errors everywhere, and graceful shutdown on SIGTERM/SIGINT.
 */
export async function bootstrapService(
  module: Type<unknown> | DynamicModule,
  options: BootstrapOptions,
): Promise<NestFastifyApplication> {
  process.on('unhandledRejection', (reason) => log.error(errorFields(reason), 'unhandled rejection'));
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 1_048_576,
    logger: false,
    trustProxy:
      options.trustProxy === undefined || options.trustProxy === 'false'
        ? false
        : options.trustProxy === 'true'
          ? true
          : options.trustProxy,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    const correlationId = acceptCorrelationId(request.headers[CORRELATION_HEADER]);
    (request as typeof request & { correlationId: string }).correlationId = correlationId;
    void reply.header(CORRELATION_HEADER, correlationId);
    runWithContext({ correlationId }, done);
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new NestPinoLogger(),
    bufferLogs: false,
  });
  countRequests(app, fastify);
  app.useGlobalFilters(new ProblemFilter());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  connectMessagingTransport(app);
  await options.configure?.(app);
  // Module hooks first (the platform makes the stream and starts the relay), then the message handlers,
  // then HTTP.
  await app.init();
  await app.startAllMicroservices();
  await app.listen(options.port, options.host);
  log.info({ port: options.port, host: options.host }, `${options.service} listening`);
  return app;
}

/** Entry-point wrapper: a failure to start is printed plainly and exits non-zero. */
export function runMain(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    log.fatal(errorFields(error), 'stopped with an error');
    console.error(`\n${String((error as Error)?.message ?? error)}\n`);
    process.exit(1);
  });
}

/** Every HTTP answer in `closeloop_http_request_duration_seconds`, labelled by route pattern (never by path). */
function countRequests(app: NestFastifyApplication, fastify: FastifyInstance): void {
  let metrics: ServiceMetrics;
  try {
    metrics = app.get(ServiceMetrics, { strict: false });
  } catch {
    return; // a module without the platform (some tests)
  }
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
