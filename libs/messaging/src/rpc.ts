import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  createInbox,
  headers as natsHeaders,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
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
  type Caller,
  type RpcReply,
  type ServiceName,
} from '@closeloop/contracts';
import { NO_OBSERVER, type MessagingObserver, type RpcOutcome } from './observer';
import { CALLER_HEADER, type CallerCredentials, type CallerGate } from './caller-token';

/**
 * Serves request/reply commands for one service. Every replica subscribes in the service's queue group, so
 * NATS hands each request to exactly one of them. Requests are validated against their contract class,
 * after `callers` put the caller verified from the request's signed header in place of any in the body.
 */
export class RpcServer {
  private readonly log = createLogger('rpc-server');
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly service: ServiceName,
    private readonly callers: CallerGate,
    private readonly observer: MessagingObserver = NO_OBSERVER,
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
    const started = performance.now();
    await runWithContext({ correlationId }, async () => {
      let reply: RpcReply<Res>;
      let outcome: RpcOutcome = 'ok';
      try {
        let body: unknown;
        try {
          body = msg.json();
        } catch {
          throw new DomainError('VALIDATION_FAILED', 'request body is not JSON');
        }
        const request = validateContract(
          definition.request,
          this.callers.admit(definition.request, msg.headers, body),
        );
        reply = { ok: true, data: await fn(request) };
      } catch (error) {
        if (error instanceof DomainError) {
          reply = { ok: false, error: error.toBody() };
          outcome = 'refused';
        } else {
          this.log.error({ ...errorFields(error), rpc: definition.name }, 'rpc handler failed');
          reply = { ok: false, error: { code: 'INTERNAL' } };
          outcome = 'failed';
        }
      }
      if (msg.reply) msg.respond(JSON.stringify(reply));
      this.observer.rpcAnswered(definition.name, outcome, (performance.now() - started) / 1000);
    });
  }

  /** Stops taking new requests and waits for the ones in progress. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((s) => s.drain()));
    await Promise.allSettled([...this.inFlight]);
  }
}

interface PendingRequest {
  definition: { service: string; name: string };
  resolve(msg: Msg): void;
  reject(error: DomainError): void;
  timer: NodeJS.Timeout;
}

interface OutgoingRequest {
  subject: string;
  body: string;
  reply: string;
  headers: MsgHdrs;
}

/**
 * Sends request/reply commands; carries the correlation id; maps failures back to DomainErrors.
 *
 * Replies come to one subscription on this client's own inbox (`<inbox>.<n>`), like nats.js's muxed
 * requests, and requests are written together once per turn of the event loop: under load, the requests
 * of many HTTP connections go to NATS in one socket write instead of one write each (on loopback every
 * write also runs the receiver's network stack: see docs/decisions/0008). nats.js's
 * own request() also built an Error with a stack trace for every completed request.
 */
export class RpcClient {
  private readonly inbox: string;
  private subscription?: Subscription;
  private readonly pending = new Map<string, PendingRequest>();
  private outgoing: OutgoingRequest[] = [];
  private sequence = 0;

  /**
   * `credentials` sign (gateway) or fetch (CLI) the token of the request's `caller`, sent in the
   * `Closeloop-Caller` header instead of the body; without them a request with a caller is refused by the
   * serving side.
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly prefix: string,
    private readonly defaultTimeoutMs: number,
    private readonly credentials?: CallerCredentials,
  ) {
    // The connection's own inbox prefix (connectNats: one per NATS user), which its permissions allow.
    this.inbox = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  }

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
    let body: object = payload;
    if ('caller' in payload) {
      // The serving side takes the caller from the signed header only.
      const { caller, ...rest } = payload as { caller: Caller };
      if (this.credentials) h.set(CALLER_HEADER, await this.credentials.tokenFor(caller));
      body = rest;
    }
    const msg = await this.send(
      definition,
      rpcSubject(this.prefix, definition),
      JSON.stringify(body),
      h,
      options.timeoutMs ?? this.defaultTimeoutMs,
    );
    let reply: RpcReply<Res>;
    try {
      reply = msg.json<RpcReply<Res>>();
    } catch {
      throw new DomainError('INTERNAL', `${definition.service} answered with something that is not JSON`);
    }
    if (reply.ok) return reply.data;
    throw DomainError.fromBody(reply.error);
  }

  private send(
    definition: { service: string; name: string },
    subject: string,
    body: string,
    headers: MsgHdrs,
    timeoutMs: number,
  ): Promise<Msg> {
    if (this.nc.isClosed() || this.nc.isDraining()) {
      return Promise.reject(
        new DomainError('SERVICE_UNAVAILABLE', `${definition.service} could not be reached`),
      );
    }
    if (!this.subscription) {
      const subscription = this.nc.subscribe(`${this.inbox}.*`, {
        callback: (error, msg) => this.onReply(error, msg),
      });
      this.subscription = subscription;
      // The connection closed: nothing will answer the requests still waiting.
      void subscription.closed.then(() => {
        if (this.subscription === subscription) this.subscription = undefined;
        for (const token of [...this.pending.keys()])
          this.settle(token, undefined, new Error('connection closed'));
      });
    }
    const token = String(++this.sequence);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new DomainError('SERVICE_UNAVAILABLE', `${definition.service} did not answer in time`));
      }, timeoutMs);
      this.pending.set(token, { definition, resolve, reject, timer });
      if (this.outgoing.length === 0) setImmediate(() => this.flush());
      this.outgoing.push({ subject, body, reply: `${this.inbox}.${token}`, headers });
    });
  }

  /** Publishes the requests gathered in this turn; nats.js writes publishes of one tick in one go. */
  private flush(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    for (const request of batch) {
      try {
        this.nc.publish(request.subject, request.body, { reply: request.reply, headers: request.headers });
      } catch (error) {
        this.settle(request.reply.slice(this.inbox.length + 1), undefined, error);
      }
    }
  }

  private onReply(error: Error | null, msg: Msg): void {
    const token = msg?.subject.slice(this.inbox.length + 1);
    if (!token) return;
    // No instance subscribed: the server answers at once with an empty 503 status message.
    const noResponders = !error && msg.data.length === 0 && msg.headers?.code === 503;
    this.settle(token, msg, error ?? (noResponders ? new NoRespondersError(msg.subject) : undefined));
  }

  private settle(token: string, msg: Msg | undefined, error: unknown): void {
    const request = this.pending.get(token);
    if (!request) return;
    this.pending.delete(token);
    clearTimeout(request.timer);
    if (error || !msg) request.reject(unavailable(request.definition, error));
    else request.resolve(msg);
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
