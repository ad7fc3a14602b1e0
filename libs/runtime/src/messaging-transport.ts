/**
 * The service's message edges, declared the NestJS way (decision 0019): `@MessagePattern(<RpcDefinition>)`
 * for request/reply and `@EventPattern(<EventDefinition>, { consumer })` for events, on methods of a
 * module's controllers. Nest finds them at start and hands them to this transport strategy, which serves
 * them on the platform's own runtime, unchanged:
 * - each request goes through `RpcServer` (queue group per service, the request validated against its
 *   contract class, the correlation id from the headers, DomainError mapped into the reply, metrics);
 * - each event goes through an `EventConsumer` (durable pull consumer per `consumer` name, the handler
 *   called inside the transaction that also writes the inbox row, explicit ack after the commit, nak with
 *   backoff, bounded deliveries, dead letters). `batch: true` gives the method the new events of a
 *   delivery batch in one call (an array of `BatchEvent`), and a lone event as an array of one.
 * Errors reach the runtime as thrown (`PassThroughRpcErrors`), so a DomainError is still a refusal.
 */
import { Catch, Inject, Injectable, type RpcExceptionFilter } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import {
  BaseRpcContext,
  Server,
  type CustomTransportStrategy,
  type MessageHandler,
  type NestMicroservice,
} from '@nestjs/microservices';
import { isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import { acceptCorrelationId, createLogger, currentCorrelationId } from '@closeloop/observability';
import { RpcServer, type BatchEvent, type EventHandler, type Tx } from '@closeloop/messaging';
import type { EventDefinition, EventEnvelope, RpcDefinition } from '@closeloop/contracts';
import { ConsumerRegistry, type ConsumerLimits } from './consumer-registry';
import { SERVICE_INFO, type ServiceInfo } from './tokens';

/** The extras of an `@EventPattern`: which durable consumer serves it, and how. */
export interface EventPatternOptions {
  /** Purpose of the durable consumer: its name is `<service>-<consumer>`, e.g. `routing-feedback`. */
  consumer: string;
  /** The method takes `BatchEvent<T>[]`: the new events of one delivery batch (or one lone event). */
  batch?: boolean;
  /**
   * At most this many events per transaction in this consumer (1: no batches), never more than
   * `EVENT_BATCH_SIZE`. Handlers sharing a consumer must not disagree.
   */
  batchSize?: number;
  /** At most this many transactions at once in this consumer (1: one after another), never more than
   * `EVENT_CONSUMER_CONCURRENCY`. Handlers sharing a consumer must not disagree. */
  concurrency?: number;
}

/** What `@Ctx()` gives an event handler: the consumer's transaction and, for one event, its envelope. */
export class EventContext<T = unknown> extends BaseRpcContext<[Tx, EventEnvelope<T> | undefined]> {
  /** The consumer's transaction: the handler's writes, its `tx.publish` and the inbox row commit together. */
  get tx(): Tx {
    return this.args[0];
  }

  /** The event's envelope; undefined for a batch handler (each `BatchEvent` has its own). */
  get envelope(): EventEnvelope<T> | undefined {
    return this.args[1];
  }
}

/** What `@Ctx()` gives a request handler: the contract it serves. */
export class RequestContext extends BaseRpcContext<[RpcDefinition<object, unknown>]> {
  get definition(): RpcDefinition<object, unknown> {
    return this.args[0];
  }
}

/**
 * Hands every error of a handler on as thrown. Nest's default RPC filter would replace it with
 * `{ status: 'error', message: 'Internal server error' }`, and a DomainError would no longer be a refusal
 * (RPC) or a permanent failure (events).
 */
@Catch()
export class PassThroughRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}

const log = createLogger('platform');
const EVENT_OPTIONS = new Set(['consumer', 'batch', 'batchSize', 'concurrency']);

@Injectable()
export class MessagingTransport extends Server implements CustomTransportStrategy {
  private readonly requests: { definition: RpcDefinition<object, unknown>; handler: MessageHandler }[] = [];
  /** Event handlers and their consumer's limits, by consumer purpose. */
  private readonly events = new Map<string, { handlers: EventHandler<object>[]; limits: ConsumerLimits }>();
  private started = false;
  private stopped?: Promise<void>;

  constructor(
    private readonly rpcServer: RpcServer,
    private readonly consumers: ConsumerRegistry,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {
    super();
  }

  /** Called by Nest for every `@MessagePattern` and `@EventPattern` method it found. */
  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    if (isEventHandler) this.addEventHandler(pattern, callback, extras);
    else this.addRequestHandler(pattern, callback);
  }

  private addRequestHandler(pattern: unknown, handler: MessageHandler): void {
    if (!isRpcDefinition(pattern)) {
      throw new Error(
        `@MessagePattern takes an RPC definition from @closeloop/contracts, not ${describe(pattern)}`,
      );
    }
    if (this.requests.some(({ definition }) => definition === pattern)) {
      throw new Error(`${pattern.service}.${pattern.name} has two @MessagePattern handlers`);
    }
    this.requests.push({ definition: pattern, handler });
  }

  private addEventHandler(pattern: unknown, handler: MessageHandler, extras: Record<string, unknown>): void {
    if (!isEventDefinition(pattern)) {
      throw new Error(
        `@EventPattern takes an event definition from @closeloop/contracts, not ${describe(pattern)}`,
      );
    }
    const unknown = Object.keys(extras).filter((key) => !EVENT_OPTIONS.has(key));
    const { consumer, batch, batchSize, concurrency } = extras as Partial<EventPatternOptions>;
    const limit = (value: unknown) =>
      value === undefined || (Number.isInteger(value) && (value as number) >= 1);
    if (
      typeof consumer !== 'string' ||
      !/^[a-z][a-z0-9-]*$/.test(consumer) ||
      !limit(batchSize) ||
      !limit(concurrency) ||
      unknown.length > 0
    ) {
      throw new Error(
        `@EventPattern(${pattern.type}) needs { consumer: 'kebab-name', batch?: boolean, batchSize?: n ≥ 1, ` +
          `concurrency?: n ≥ 1 }` +
          (unknown.length ? `; unknown option ${unknown.join(', ')}` : ''),
      );
    }
    const declared = this.events.get(consumer) ?? { handlers: [], limits: {} };
    if (declared.handlers.some((existing) => existing.event.type === pattern.type)) {
      throw new Error(`consumer ${consumer} has two @EventPattern handlers for ${pattern.type}`);
    }
    for (const [key, value] of Object.entries({ batchSize, concurrency }) as [
      keyof ConsumerLimits,
      number,
    ][]) {
      if (value === undefined) continue;
      if (declared.limits[key] !== undefined && declared.limits[key] !== value) {
        throw new Error(`consumer ${consumer}: its @EventPattern handlers disagree on ${key}`);
      }
      declared.limits[key] = value;
    }
    declared.handlers.push(batch === true ? batchHandler(pattern, handler) : eventHandler(pattern, handler));
    this.events.set(consumer, declared);
  }

  /** Subscribes the request handlers and starts the consumers (the stream exists: the platform made it). */
  listen(callback: (error?: unknown) => void): void {
    this.start().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const { definition, handler } of this.requests) {
      const context = new RequestContext([definition]);
      this.rpcServer.handle(definition, (request) => invoke(handler, request, context));
    }
    for (const [purpose, { handlers, limits }] of this.events)
      this.consumers.register(purpose, handlers, limits);
    for (const consumer of this.consumers.all()) await consumer.start();
    log.info(
      { consumers: this.consumers.all().map((c) => c.name), requests: this.requests.length },
      `${this.info.service} messaging started`,
    );
  }

  /** Stops taking requests and events and waits for those in progress (idempotent). */
  close(): Promise<void> {
    this.stopped ??= (async () => {
      await this.rpcServer.stop();
      await Promise.allSettled(this.consumers.all().map((c) => c.stop()));
    })();
    return this.stopped;
  }

  on(): never {
    throw new Error('MessagingTransport emits no events');
  }

  unwrap<T>(): T {
    return this.rpcServer as T;
  }
}

/**
 * Connects the service's decorated message handlers (if the app has the platform). Their listeners are
 * bound only once `PassThroughRpcErrors` is in place (Nest reads global filters when it binds them);
 * `app.init()` has run the module hooks already, so the microservice must not run them again.
 */
export function connectMessagingTransport(app: INestApplication): void {
  let transport: MessagingTransport;
  try {
    transport = app.get(MessagingTransport, { strict: false });
  } catch {
    return; // a module without the platform (some tests)
  }
  const microservice = app.connectMicroservice<{ strategy: MessagingTransport }>(
    { strategy: transport },
    { inheritAppConfig: false, deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new PassThroughRpcErrors());
  microservice.setIsInitHookCalled(true);
}

function eventHandler(event: EventDefinition<object>, handler: MessageHandler): EventHandler<object> {
  return {
    event,
    handle: async (data, tx, envelope) =>
      void (await invoke(handler, data, new EventContext([tx, envelope]))),
  };
}

/** A batch method serves both paths: the batch, and a lone event as a batch of one. */
function batchHandler(event: EventDefinition<object>, handler: MessageHandler): EventHandler<object> {
  return {
    event,
    handle: async (data, tx, envelope) => {
      const one: BatchEvent<object> = {
        data,
        envelope,
        correlationId: currentCorrelationId() ?? acceptCorrelationId(envelope.correlationid),
      };
      await invoke(handler, [one], new EventContext([tx, undefined]));
    },
    handleBatch: async (events, tx) =>
      void (await invoke(handler, events, new EventContext([tx, undefined]))),
  };
}

/** Runs a handler through Nest's pipeline (interceptors, pipes, filters) and returns its result or throws. */
async function invoke(handler: MessageHandler, data: unknown, context: BaseRpcContext): Promise<unknown> {
  const result: unknown = await handler(data, context);
  return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
}

function isRpcDefinition(value: unknown): value is RpcDefinition<object, unknown> {
  const candidate = value as Partial<RpcDefinition<object, unknown>> | null;
  return (
    typeof candidate?.service === 'string' &&
    typeof candidate.name === 'string' &&
    typeof candidate.request === 'function'
  );
}

function isEventDefinition(value: unknown): value is EventDefinition<object> {
  const candidate = value as Partial<EventDefinition<object>> | null;
  return typeof candidate?.type === 'string' && typeof candidate.payload === 'function';
}

function describe(pattern: unknown): string {
  return typeof pattern === 'string' ? `'${pattern}'` : typeof pattern;
}
