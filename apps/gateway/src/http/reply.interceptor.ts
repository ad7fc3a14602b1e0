import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { versionEtag } from '@closeloop/contracts';

/** How a route's answer is made from what its method returned (the reply of an RPC, mostly). */
export interface ReplyPlan {
  replay?: { status?: number };
  status?: (reply: unknown) => number;
  headers?: (reply: unknown) => Record<string, string>;
  body?: (reply: unknown) => unknown;
  etag?: boolean;
  location?: (body: unknown, params: Record<string, string>) => string;
}

/**
 * The one place where a reply becomes an HTTP answer: replay flag, status, headers, body, ETag, Location, in
 * that order (reply.decorators.ts declares them per route). Errors are not its business: they go to the
 * ProblemFilter as problem+json.
 */
export class ReplyInterceptor implements NestInterceptor {
  constructor(private readonly planOf: (handler: object) => ReplyPlan) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const plan = this.planOf(context.getHandler());
    const http = context.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(map((result: unknown) => answer(plan, result, reply, http.getRequest())));
  }
}

function answer(plan: ReplyPlan, result: unknown, reply: FastifyReply, request: FastifyRequest): unknown {
  let rest = result;
  if (plan.replay) {
    const { replayed, ...others } = result as { replayed?: boolean };
    if (replayed) {
      void reply.header('Idempotent-Replayed', 'true');
      if (plan.replay.status !== undefined) void reply.status(plan.replay.status);
    }
    rest = others;
  }
  if (plan.status) void reply.status(plan.status(rest));
  if (plan.headers) void reply.headers(plan.headers(rest));
  const body = plan.body ? plan.body(rest) : rest;
  if (plan.etag) void reply.header('ETag', versionEtag((body as { version: number }).version));
  if (plan.location) {
    void reply.header('Location', plan.location(body, request.params as Record<string, string>));
  }
  return body;
}
