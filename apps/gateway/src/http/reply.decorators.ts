import { UseInterceptors } from '@nestjs/common';
import { ReplyInterceptor, type ReplyPlan } from './reply.interceptor';

const REPLY_PLAN = 'closeloop:reply-plan';
const interceptor = new ReplyInterceptor((handler) => Reflect.getMetadata(REPLY_PLAN, handler) as ReplyPlan);

/** Adds a step to the route's reply plan; the first step also puts the ReplyInterceptor on the route. */
function replyStep(step: ReplyPlan): MethodDecorator {
  return (target, key, descriptor) => {
    const handler = descriptor.value as object;
    const plan = Reflect.getMetadata(REPLY_PLAN, handler) as ReplyPlan | undefined;
    if (!plan) UseInterceptors(interceptor)(target, key, descriptor);
    Reflect.defineMetadata(REPLY_PLAN, { ...plan, ...step }, handler);
  };
}

/**
 * I6: the reply says whether it answers an earlier request again (`replayed`): then the answer carries
 * `Idempotent-Replayed: true` (and `status` instead of the route's own, when given). The flag itself is
 * never part of the body.
 */
export const IdempotentReplay = (options: { status?: number } = {}): MethodDecorator =>
  replyStep({ replay: options });

/** The status of the answer, from the reply (a page that says the link expired is a 410). */
export const ReplyStatus = <R>(status: (reply: R) => number): MethodDecorator =>
  replyStep({ status: status as (reply: unknown) => number });

/** The body of the answer, taken from the reply (e.g. `({ customer }) => customer`). */
export const ReplyBody = <R, B>(body: (reply: R) => B): MethodDecorator =>
  replyStep({ body: body as (reply: unknown) => unknown });

/** Headers of the answer, from the reply before ReplyBody takes the body out of it. */
export const ReplyHeaders = <R>(headers: (reply: R) => Record<string, string>): MethodDecorator =>
  replyStep({ headers: headers as (reply: unknown) => Record<string, string> });

/** `ETag: "v<version>"` of the answer's body: what the client sends back as If-Match to change it. */
export const VersionETag = (): MethodDecorator => replyStep({ etag: true });

/** `Location` of the created resource, from the answer's body and the route's path parameters. */
export const Location = <B>(location: (body: B, params: Record<string, string>) => string): MethodDecorator =>
  replyStep({ location: location as (body: unknown, params: Record<string, string>) => string });
