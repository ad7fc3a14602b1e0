import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createLogger, currentCorrelationId, errorFields } from '@closeloop/observability';
import { DomainError, ErrorCodes, isErrorCode, type ErrorCode, type FieldError } from '@closeloop/contracts';

/** RFC 9457 problem details, with our stable code, the field errors and the correlation id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ErrorCode;
  errors?: FieldError[];
  correlationId?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Stable, documented problem type per code: `urn:closeloop:problem:ticket.not-found`. */
export function problemType(code: ErrorCode): string {
  return `urn:closeloop:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function toProblem(error: DomainError, instance?: string, correlationId?: string): Problem {
  return {
    type: problemType(error.code),
    title: ErrorCodes[error.code].title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    code: error.code,
    ...(error.fields ? { errors: error.fields } : {}),
    ...(correlationId ? { correlationId } : {}),
  };
}

const log = createLogger('problem');

const statusCodes: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Maps anything thrown to a DomainError: the one place where errors get their HTTP shape. */
export function classify(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  // Nest wraps Fastify's own 4xx errors (body parsing) in an HttpException with the original as cause.
  const fromFastify = classifyFastifyError(error instanceof HttpException ? error.cause : error);
  if (fromFastify) return fromFastify;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse() as { code?: unknown; detail?: unknown; message?: unknown } | string;
    const detail =
      typeof response === 'string'
        ? response
        : typeof response.detail === 'string'
          ? response.detail
          : typeof response.message === 'string'
            ? response.message
            : undefined;
    const code =
      typeof response === 'object' && isErrorCode(response.code)
        ? response.code
        : (statusCodes[status] ?? 'INTERNAL');
    return new DomainError(code, detail);
  }
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && statusCodes[status]) {
    return new DomainError(statusCodes[status], (error as Error).message);
  }
  return new DomainError('INTERNAL', 'An unexpected error occurred');
}

function classifyFastifyError(error: unknown): DomainError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  switch (fastifyError.code ?? '') {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError('MALFORMED_JSON', fastifyError.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError('PAYLOAD_TOO_LARGE', fastifyError.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError('UNSUPPORTED_MEDIA_TYPE', fastifyError.message);
    default:
      break;
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new DomainError('MALFORMED_JSON', error.message);
  }
  return undefined;
}

export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const domainError = classify(error);
  if (domainError.code === 'INTERNAL') log.error(errorFields(error), 'unhandled error');
  const correlationId =
    currentCorrelationId() ?? (request as FastifyRequest & { correlationId?: string }).correlationId;
  const problem = toProblem(domainError, request.url, correlationId);
  if (problem.status === 401) void reply.header('WWW-Authenticate', 'Bearer');
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
