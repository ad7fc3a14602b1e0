/**
 * `@MessagePattern` and `@EventPattern` of `@nestjs/microservices`, typed against the contract they name: the
 * compiler checks that a request handler takes the contract's request and resolves to its reply, and that
 * an event handler takes the event's payload (or, with `batch: true`, an array of `BatchEvent`s). At run
 * time they are Nest's own decorators; `MessagingTransport` serves what they mark (decision 0019).
 */
import {
  EventPattern as NestEventPattern,
  MessagePattern as NestMessagePattern,
} from '@nestjs/microservices';
import type { BatchEvent } from '@closeloop/messaging';
import type { EventDefinition, RpcDefinition } from '@closeloop/contracts';
import type { EventContext, EventPatternOptions, RequestContext } from './messaging-transport';

/** A method decorator that accepts only methods assignable to `F`. */
export type HandlerDecorator<F> = <M extends F>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => void;

/** The request type of an RPC definition: `RequestOf<typeof RoutingRpc.respond>`. */
export type RequestOf<D> = D extends RpcDefinition<infer Req, unknown> ? Req : never;

/** Serves the request/reply contract `definition` (one per service, in its queue group). */
export function MessagePattern<Req extends object, Res>(
  definition: RpcDefinition<Req, Res>,
): HandlerDecorator<(request: Req, context: RequestContext) => Promise<Res>> {
  return NestMessagePattern(definition);
}

/** Handles `event` in the durable consumer `options.consumer`, one event per call. */
export function EventPattern<T extends object>(
  event: EventDefinition<T>,
  options: EventPatternOptions & { batch?: false },
): HandlerDecorator<(data: T, context: EventContext<T>) => Promise<void>>;
/** Handles `event` in the durable consumer `options.consumer`, the new events of a delivery batch per call. */
export function EventPattern<T extends object>(
  event: EventDefinition<T>,
  options: EventPatternOptions & { batch: true },
): HandlerDecorator<(events: BatchEvent<T>[], context: EventContext<T>) => Promise<void>>;
export function EventPattern<T extends object>(
  event: EventDefinition<T>,
  options: EventPatternOptions,
): MethodDecorator {
  return NestEventPattern(event, { ...options });
}
