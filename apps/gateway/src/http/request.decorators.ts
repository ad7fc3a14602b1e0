import { createParamDecorator, Headers, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { DomainError, IDEMPOTENCY_KEY_PATTERN, type ErrorCode } from '@closeloop/contracts';

/**
 * The client's `If-Match` as sent, or undefined. The gateway only forwards it: the owning service answers
 * 428 when it is missing and 412 when it is stale, under the lock of the record it compares it with.
 */
export const IfMatch = (): ParameterDecorator => Headers('if-match');

/** I6: a retry key is 8-128 characters of letters, digits, `. _ : -`; anything else is a 400 field error. */
class IdempotencyKeyPipe implements PipeTransform<string | undefined, string | undefined> {
  transform(key: string | undefined): string | undefined {
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new DomainError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 8-128 characters of letters, digits, . _ : -' },
      ]);
    }
    return key;
  }
}

const idempotencyKeyHeader = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'] as string | undefined,
);

/**
 * The `Idempotency-Key` header (optional), checked by a pipe: pipes run after the body's and the query's
 * validation has started, so a request wrong in both answers with the body's field errors, as it did
 * when the check sat in each method.
 */
export const IdempotencyKey = (): ParameterDecorator => idempotencyKeyHeader(new IdempotencyKeyPipe());

/**
 * A path id that is not a UUID names nothing: the `code` (a 404) without asking the service. As a pipe it
 * runs after the body's validation has started, so a bad body still answers first.
 */
export class UuidOrNotFound implements PipeTransform<string, string> {
  constructor(
    private readonly code: ErrorCode,
    private readonly noun: string,
  ) {}

  transform(id: string): string {
    if (!isUUID(id)) throw new DomainError(this.code, `no ${this.noun} ${id}`);
    return id;
  }
}
