import pino, { Logger as PinoLogger } from 'pino';
import type { LoggerService } from '@nestjs/common';
import { currentCorrelationId } from './correlation';

/**
 * Structured JSON logs, one line per event, each carrying the service name and the correlation id of the
 * unit of work it belongs to. Never log contacts or names: log ids (X1).
 */
let root: PinoLogger | undefined;

export function rootLogger(): PinoLogger {
  if (!root) {
    root = pino({
      level: process.env.LOG_LEVEL ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Read per line, so loggers created at import time still carry the service set later by main.
      mixin() {
        const correlationId = currentCorrelationId();
        const service = process.env.SERVICE_NAME ?? 'closeloop';
        return correlationId ? { service, correlationId } : { service };
      },
    });
  }
  return root;
}

export function createLogger(component: string): PinoLogger {
  return rootLogger().child({ component });
}

/** Adapter so Nest's own logs go through the same structured logger. */
export class NestPinoLogger implements LoggerService {
  private readonly logger = createLogger('nest');

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, stringify(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, stringify(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, stringify(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, stringify(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, stringify(message));
  }
}

function stringify(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message);
}

export function errorFields(error: unknown): { err: { message: string; name?: string; stack?: string } } {
  if (error instanceof Error)
    return { err: { message: error.message, name: error.name, stack: error.stack } };
  return { err: { message: String(error) } };
}
