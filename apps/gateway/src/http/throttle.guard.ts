import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from './authenticated-request';

/** Limits per caller: the user once authenticated, the client IP otherwise. */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as AuthenticatedRequest;
    return Promise.resolve(req.caller ? `user:${req.caller.userId}` : `ip:${req.ip}`);
  }

  /**
   * The limit's key as plain text: the library hashes it with SHA-256 for every request and limit (to
   * bound key length in shared stores); ours is in memory and short (see docs/decisions/0008).
   */
  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${context.getClass().name}-${context.getHandler().name}-${name}-${tracker}`;
  }

  protected override getRequestResponse(context: ExecutionContext) {
    const http = context.switchToHttp();
    return {
      req: http.getRequest<Record<string, unknown>>(),
      res: http.getResponse<Record<string, unknown>>(),
    };
  }
}
