import { createParamDecorator, Headers, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isUUID } from 'class-validator';
import { DomainError, IDEMPOTENCY_KEY_PATTERN, type ErrorCode } from '@closeloop/contracts';

/**
 * The client's `If-Match` as sent, or undefined. The gateway only forwards it: the owning service answers
 * 428 when it is missing and 412 when it is stale, under the lock of the record it compares it with.
 */
export const IfMatch = (): ParameterDecorator => Headers('if-match');

/**
 * A refusal by a parameter's pipe that answers only when nothing else did: the body and the query are
 * validated synchronously (ContractValidationPipe), so one turn of the event loop later their field errors
 * have failed the request already. A request wrong in both answers with the body's errors, as it did when
 * these checks sat in each method; a request whose other parameters are valid pays nothing.
 */
export function refuseAfterValidation(error: DomainError): Promise<never> {
  return new Promise((_, reject) => setImmediate(() => reject(error)));
}

/** I6: a retry key is 8-128 characters of letters, digits, `. _ : -`; anything else is a 400 field error. */
class IdempotencyKeyPipe implements PipeTransform<string | undefined, string | undefined | Promise<never>> {
  transform(key: string | undefined): string | undefined | Promise<never> {
    if (key === undefined || IDEMPOTENCY_KEY_PATTERN.test(key)) return key;
    return refuseAfterValidation(
      new DomainError('VALIDATION_FAILED', undefined, [
        { field: 'Idempotency-Key', message: 'must be 8-128 characters of letters, digits, . _ : -' },
      ]),
    );
  }
}

const idempotencyKeyHeader = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined =>
    context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'] as string | undefined,
);

/** The `Idempotency-Key` header (optional), checked by a pipe (refuseAfterValidation). */
export const IdempotencyKey = (): ParameterDecorator => idempotencyKeyHeader(new IdempotencyKeyPipe());

/** A path id that is not a UUID names nothing: the `code` (a 404) without asking the service. */
export class UuidOrNotFound implements PipeTransform<string, string | Promise<never>> {
  constructor(
    private readonly code: ErrorCode,
    private readonly noun: string,
  ) {}

  transform(id: string): string | Promise<never> {
    return isUUID(id) ? id : refuseAfterValidation(new DomainError(this.code, `no ${this.noun} ${id}`));
  }
}
