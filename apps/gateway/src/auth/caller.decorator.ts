import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError, type Caller } from '@closeloop/contracts';
import type { AuthenticatedRequest } from './auth.guard';

/** The authenticated caller of the request (set by AuthGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new DomainError('UNAUTHENTICATED');
  return caller;
});
