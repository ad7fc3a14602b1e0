import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { headers as natsHeaders, NoRespondersError, RequestError, TimeoutError } from '@nats-io/nats-core';
import {
  CORRELATION_HEADER,
  acceptCorrelationId,
  createLogger,
  currentCorrelationId,
  errorFields,
  runWithContext,
} from '@closeloop/observability';
import {
  DomainError,
  rpcSubject,
  validateContract,
  type RpcDefinition,
  type RpcReply,
  type ServiceName,
} from '@closeloop/contracts';

/**
 * Serves request/reply commands for one service. Every replica subscribes in the service's queue group, so
 * NATS hands each request to exactly one of them. Requests are validated against their contract class.
 */
export class RpcServer {
  private readonly log = createLogger('rpc-server');
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly service: ServiceName,
  ) {}

  handle<Req extends object, Res>(
    definition: RpcDefinition<Req, Res>,
    fn: (request: Req) => Promise<Res>,
  ): void {
    if (definition.service !== this.service) {
      throw new Error(`${this.service} cannot serve ${definition.service}.${definition.name}`);
    }
    const subject = rpcSubject(this.prefix, definition);
    const subscription = this.nc.subscribe(subject, {
      queue: this.service,
      callback: (error, msg) => {
        if (error) {
          this.log.error(errorFields(error), 'rpc subscription error');
          return;
        }
        const task = this.answer(definition, fn, msg).finally(() => this.inFlight.delete(task));
        this.inFlight.add(task);
      },
    });
    this.subscriptions.push(subscription);
  }

  private async answer<Req extends object, Res>(
    definition: RpcDefinition<Req, Res>,
    fn: (request: Req) => Promise<Res>,
    msg: Msg,
  ): Promise<void> {
    const correlationId = acceptCorrelationId(msg.headers?.get(CORRELATION_HEADER));
    await runWithContext({ correlationId }, async () => {
      let reply: RpcReply<Res>;
      try {
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          throw new DomainError('VALIDATION_FAILED', 'request body is not JSON');
        }
        const request = validateContract(definition.request, body);
        reply = { ok: true, data: await fn(request) };
      } catch (error) {
        if (error instanceof DomainError) {
          reply = { ok: false, error: error.toBody() };
        } else {
          this.log.error({ ...errorFields(error), rpc: definition.name }, 'rpc handler failed');
          reply = { ok: false, error: { code: 'INTERNAL' } };
        }
      }
      if (msg.reply) msg.respond(JSON.stringify(reply));
    });
  }

  /** Stops taking new requests and waits for the ones in progress. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.drain()));
    await Promise.allSettled([...this.inFlight]);
  }
}

/** Sends request/reply commands; carries the correlation id; maps failures back to DomainErrors. */
export class RpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly defaultTimeoutMs: number,
  ) {}

  /**
   * Not validated here: the serving side validates every request (the trust boundary), and its field
   * errors come back as a DomainError just the same. Validating here too cost every request a second
   * class-transformer/class-validator pass over a body the gateway's pipe had just checked.
   */
  async request<Req extends object, Res>(
    definition: RpcDefinition<Req, Res>,
    payload: Req,
    options: { timeoutMs?: number } = {},
  ): Promise<Res> {
    const h = natsHeaders();
    const correlationId = currentCorrelationId();
    if (correlationId) h.set(CORRELATION_HEADER, correlationId);
    let msg: Msg;
    try {
      msg = await this.nc.request(rpcSubject(this.prefix, definition), JSON.stringify(payload), {
        timeout: options.timeoutMs ?? this.defaultTimeoutMs,
        headers: h,
      });
    } catch (error) {
      throw unavailable(definition, error);
    }
    let reply: RpcReply<Res>;
    try {
      reply = msg.json<RpcReply<Res>>();
    } catch {
      throw new DomainError('INTERNAL', `${definition.service} answered with something that is not JSON`);
    }
    if (reply.ok) return reply.data;
    throw DomainError.fromBody(reply.error);
  }
}

function unavailable(definition: { service: string; name: string }, error: unknown): DomainError {
  const noResponders =
    error instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders());
  const reason = noResponders
    ? `no ${definition.service} instance is running`
    : error instanceof TimeoutError || /timeout/i.test(String((error as Error)?.message))
      ? `${definition.service} did not answer in time`
      : `${definition.service} could not be reached`;
  return new DomainError('SERVICE_UNAVAILABLE', reason);
}
