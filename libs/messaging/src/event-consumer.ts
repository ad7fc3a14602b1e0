import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import {
  CORRELATION_HEADER,
  acceptCorrelationId,
  createLogger,
  errorFields,
  runWithContext,
} from '@closeloop/observability';
import { quoteIdent } from '@closeloop/persistence';
import {
  DomainError,
  EventEnvelopeShape,
  eventSubject,
  validateContract,
  type DeadLetterReplayResult,
  type DeadLetterView,
  type EventDefinition,
  type EventEnvelope,
} from '@closeloop/contracts';
import type { MessagingConfig } from './config';
import { ensureEventStream, isNotFound } from './nats';
import { NO_OBSERVER, type MessagingObserver } from './observer';
import type { Tx, UnitOfWork } from './unit-of-work';

/** A failure that no retry can fix: the event goes straight to the dead letters. */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}

export interface EventHandler<T extends object> {
  readonly event: EventDefinition<T>;
  /** Runs inside the consumer's transaction; its writes, its emitted events and the inbox row commit together. */
  handle(data: T, tx: Tx, envelope: EventEnvelope<T>): Promise<void>;
  /**
   * Optional: the new events of this type that a batch delivered together, in delivery order, in one call
   * (set-based work instead of the same statements per event). It must have the effect of `handle` on each,
   * which still serves the one-event-per-transaction path (a lone event, or the batch's fallback after an
   * error). Runs after the batch's other handlers, in the first event's correlation context; each event
   * comes with its own, for the work done on its behalf (`runWithContext`: its logs and emitted events).
   */
  handleBatch?(
    events: { data: T; envelope: EventEnvelope<T>; correlationId: string }[],
    tx: Tx,
  ): Promise<void>;
}

export type ProcessOutcome = 'handled' | 'duplicate' | 'ignored';

/** A delivered event, decoded and validated, with the handler it goes to. */
interface Delivered {
  msg: JsMsg;
  envelope: EventEnvelope;
  data: object;
  handler: EventHandler<object>;
  correlationId: string;
}

/**
 * A durable JetStream pull consumer with an inbox. Events are handled in transactions that also record
 * their ids in the inbox, so a redelivered event changes nothing; a message is acked only after that
 * commit. Under load the events that arrived together are handled as a batch in one transaction (one
 * multi-row inbox insert, the handlers one after another, their events in one outbox insert); when
 * anything in a batch fails, it is rolled back and its events are handled one per transaction, so a
 * failing event is retried or dead-lettered alone and the others commit once. Transient failures are
 * nak'ed with backoff; after `maxDeliveries` (or at once, for an invalid or permanently failing event) an
 * event becomes a dead letter that an admin can replay.
 */
export class EventConsumer {
  private readonly log = createLogger('event-consumer');
  private readonly handlers = new Map<string, EventHandler<object>>();
  private readonly schema: string;
  /** `<prefix>.events.`: what precedes the event type in a subject. */
  private readonly subjectPrefix: string;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;
  /** Batches being handled (each holds one pooled connection for its transaction). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Delivered messages waiting for a free batch slot. */
  private readonly queue: JsMsg[] = [];
  private dispatchScheduled = false;
  private queueHasRoom?: () => void;

  constructor(
    /** Durable name, unique per consuming service and purpose, e.g. `routing-feedback`. */
    readonly name: string,
    handlers: EventHandler<object>[],
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    schema: string,
    private readonly config: MessagingConfig,
    private readonly observer: MessagingObserver = NO_OBSERVER,
  ) {
    for (const handler of handlers) this.handlers.set(handler.event.type, handler);
    this.schema = quoteIdent(schema);
    this.subjectPrefix = eventSubject(config.prefix, '' as EventEnvelope['type']);
  }

  /** One filter subject (nats-server 2.9 allows one): the event type when there is one, else all events. */
  private filterSubject(): string {
    const types = [...this.handlers.keys()];
    return types.length === 1
      ? eventSubject(this.config.prefix, types[0] as EventEnvelope['type'])
      : eventSubject(this.config.prefix, '>');
  }

  /** Creates the durable consumer if needed (idempotent) and starts pulling. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.ensureConsumer();
    this.messages = await this.consume();
    this.loop = this.pull();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
    this.queueHasRoom?.();
    await this.loop;
    // Messages already taken from the broker are handled, not left to time out.
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      this.dispatch();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * Pulls with `abort_on_missing_resource`: a broker that lost its store comes back without the stream or
   * this durable consumer (the relay re-creates the stream and re-publishes recent events), and the
   * client would otherwise wait for them forever.
   */
  private async consume(): Promise<ConsumerMessages> {
    const consumer = await jetstream(this.nc).consumers.get(this.config.streamName, this.name);
    return consumer.consume({
      // About one batch ahead: buffered messages age towards ack_wait untouched.
      max_messages: Math.max(this.config.consumerConcurrency, this.config.consumerBatchSize),
      abort_on_missing_resource: true,
    });
  }

  private async ensureConsumer(): Promise<void> {
    const wanted = {
      durable_name: this.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.filterSubject(),
      ack_wait: this.config.ackWaitMs * 1_000_000,
      // Unlimited on the server: our handler decides dead-lettering after maxDeliveries failures. A server
      // bound would silently drop a message that only sat unacked past ack_wait (a slow or killed consumer)
      // a few times, with no dead letter to replay.
      max_deliver: -1,
      max_ack_pending: Math.max(1000, this.config.consumerConcurrency * 4),
    };
    try {
      const info = await this.jsm.consumers.info(this.config.streamName, this.name);
      const current = info.config;
      if (
        current.filter_subject !== wanted.filter_subject ||
        current.ack_wait !== wanted.ack_wait ||
        current.max_deliver !== wanted.max_deliver ||
        current.max_ack_pending !== wanted.max_ack_pending
      ) {
        await this.jsm.consumers.update(this.config.streamName, this.name, {
          filter_subject: wanted.filter_subject,
          ack_wait: wanted.ack_wait,
          max_deliver: wanted.max_deliver,
          max_ack_pending: wanted.max_ack_pending,
        });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.jsm.consumers.add(this.config.streamName, wanted);
    }
  }

  private async pull(): Promise<void> {
    while (this.messages && this.running()) {
      try {
        for await (const msg of this.messages) {
          this.queue.push(msg);
          this.scheduleDispatch();
          // A full batch waiting: stop taking messages (and so asking the broker for more) until it starts.
          while (this.queue.length >= this.config.consumerBatchSize && !this.stopping) {
            await new Promise<void>((resolve) => (this.queueHasRoom = resolve));
          }
        }
      } catch (error) {
        if (this.running()) this.log.warn({ ...errorFields(error), consumer: this.name }, 'pulling stopped');
      }
      // Ended without stop() on an open connection: the stream or this consumer is gone.
      if (this.running()) this.messages = await this.recreate();
    }
    // Covers a stop() that raced a re-creation (closing twice is harmless).
    await this.messages?.close();
  }

  private running(): boolean {
    return !this.stopping && !this.nc.isClosed() && !this.nc.isDraining();
  }

  /** Re-creates the stream (idempotent) and this durable consumer, then pulls again; retries until stopped. */
  private async recreate(): Promise<ConsumerMessages | undefined> {
    for (let attempt = 1; this.running(); attempt++) {
      try {
        await ensureEventStream(this.jsm, this.config);
        await this.ensureConsumer();
        const messages = await this.consume();
        if (this.running()) return messages;
        await messages.close();
      } catch (error) {
        this.log.warn(errorFields(error), 'could not re-create the durable consumer; will retry');
        await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 500, 5_000)));
      }
    }
    return undefined;
  }

  /**
   * Starts batches after the I/O callbacks of this turn of the event loop, so that messages which arrived
   * together (one pull's worth) go into one batch. No timer: under light load a message starts at once.
   */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Starts as many batches as there are free slots, each with up to `consumerBatchSize` waiting messages. */
  private dispatch(): void {
    while (this.inFlight.size < this.config.consumerConcurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.config.consumerBatchSize);
      const task = this.handleBatch(batch).finally(() => {
        this.inFlight.delete(task);
        this.scheduleDispatch();
      });
      this.inFlight.add(task);
    }
    if (this.queue.length < this.config.consumerBatchSize) {
      this.queueHasRoom?.();
      this.queueHasRoom = undefined;
    }
  }

  /**
   * Handles delivered messages in one transaction when there are several; on any failure, rolls back and
   * handles each in a transaction of its own (`onMessage`), where it is retried or dead-lettered alone.
   * Messages that do not decode, fail their contract or have no handler take the single path directly.
   */
  private async handleBatch(msgs: JsMsg[]): Promise<void> {
    const batch: Delivered[] = [];
    const singles: JsMsg[] = [];
    for (const msg of msgs) {
      // A consumer of several types receives every event (one filter subject on nats-server 2.9): the
      // subject names the type, so the others are acked without being parsed.
      if (!this.handlers.has(msg.subject.slice(this.subjectPrefix.length))) {
        msg.ack();
        continue;
      }
      const delivered = this.prepare(msg);
      if (delivered) batch.push(delivered);
      else singles.push(msg);
    }
    if (batch.length === 1) singles.push(batch[0].msg);
    else if (batch.length > 1) {
      try {
        const handled = await this.processBatch(batch);
        for (const delivered of batch) {
          delivered.msg.ack();
          const outcome = handled.has(delivered) ? 'handled' : 'duplicate';
          this.observer.eventSettled(this.name, delivered.envelope.type, outcome);
        }
      } catch (error) {
        this.log.debug(
          { ...errorFields(error), consumer: this.name, events: batch.length },
          'batch failed; handling its events one by one',
        );
        singles.push(...batch.map(({ msg }) => msg));
      }
    }
    for (const msg of singles) await this.onMessage(msg);
  }

  /** Events delivered and not yet acknowledged (waiting, and in flight), as JetStream counts them. */
  async pending(): Promise<number> {
    const info = await this.jsm.consumers.info(this.config.streamName, this.name);
    return info.num_pending + info.num_ack_pending;
  }

  /** Decodes and validates a message for the batch path; undefined sends it down the single path. */
  private prepare(msg: JsMsg): Delivered | undefined {
    try {
      const envelope = this.decode(msg);
      const handler = this.handlers.get(envelope.type);
      if (!handler) return undefined;
      return {
        msg,
        envelope,
        data: validateContract(handler.event.payload, envelope.data),
        handler,
        correlationId: acceptCorrelationId(msg.headers?.get(CORRELATION_HEADER) || envelope.correlationid),
      };
    } catch {
      return undefined;
    }
  }

  /**
   * Handles several events exactly once in one transaction: one multi-row inbox insert tells which are
   * new, their handlers run one after another (each in its event's correlation context), and everything
   * they wrote and emitted commits with the inbox rows. Returns the deliveries handled (the others were
   * duplicates).
   */
  private async processBatch(batch: Delivered[]): Promise<Set<Delivered>> {
    // The same event twice in one batch (re-published under another message id): handled once, both acked.
    const byId = new Map<string, Delivered>();
    for (const delivered of batch)
      if (!byId.has(delivered.envelope.id)) byId.set(delivered.envelope.id, delivered);
    const unique = [...byId.values()];
    return this.unitOfWork.run(async (tx) => {
      const inserted: { event_id: string }[] = await tx.manager.query(
        `INSERT INTO ${this.schema}.inbox (consumer, event_id, event_type)
         SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.name, unique.map((d) => d.envelope.id), unique.map((d) => d.envelope.type)],
      );
      const fresh = new Set(inserted.map((row) => row.event_id));
      const batched = new Map<EventHandler<object>, Delivered[]>();
      for (const delivered of unique) {
        const { envelope, data, handler, correlationId } = delivered;
        if (!fresh.has(envelope.id)) continue;
        if (handler.handleBatch) {
          const events = batched.get(handler);
          if (events) events.push(delivered);
          else batched.set(handler, [delivered]);
          continue;
        }
        await runWithContext({ correlationId }, () => handler.handle(data, tx, { ...envelope, data }));
      }
      for (const [handler, events] of batched) {
        await runWithContext({ correlationId: events[0].correlationId }, () =>
          handler.handleBatch!(
            events.map(({ envelope, data, correlationId }) => ({
              data,
              envelope: { ...envelope, data },
              correlationId,
            })),
            tx,
          ),
        );
      }
      return new Set(unique.filter((delivered) => fresh.has(delivered.envelope.id)));
    });
  }

  private async onMessage(msg: JsMsg): Promise<void> {
    // The header, else the envelope's own correlationid (events published by other clients), else new.
    const correlationId = acceptCorrelationId(msg.headers?.get(CORRELATION_HEADER) || peekCorrelationId(msg));
    await runWithContext({ correlationId }, async () => {
      const deliveries = msg.info.deliveryCount;
      let envelope: EventEnvelope | undefined;
      try {
        envelope = this.decode(msg);
        const outcome = await this.process(envelope);
        msg.ack();
        this.observer.eventSettled(this.name, envelope.type, outcome);
        if (outcome === 'duplicate') this.log.debug({ eventId: envelope.id }, 'duplicate event ignored');
      } catch (error) {
        const type = envelope?.type ?? msg.subject.slice(this.subjectPrefix.length);
        const permanent = error instanceof PermanentEventError || error instanceof DomainError;
        if (permanent || deliveries >= this.config.maxDeliveries) {
          try {
            await this.deadLetter(msg, envelope, error, deliveries);
            // No reason text: nats-server 2.9 ignores "+TERM <reason>" (2.10 added it) and would redeliver
            // the message after ack_wait; the error is kept in the dead letter row instead.
            msg.term();
            this.observer.eventSettled(this.name, type, 'dead_lettered');
          } catch (dlqError) {
            this.log.error(errorFields(dlqError), 'could not record dead letter; will retry');
            msg.nak(this.backoff(deliveries));
            this.observer.eventSettled(this.name, type, 'retried');
          }
          return;
        }
        this.log.warn(
          { ...errorFields(error), eventId: envelope?.id, deliveries },
          'event handling failed; will retry',
        );
        msg.nak(this.backoff(deliveries));
        this.observer.eventSettled(this.name, type, 'retried');
      }
    });
  }

  private backoff(deliveries: number): number {
    const steps = this.config.retryBackoffMs;
    return steps[Math.min(deliveries, steps.length) - 1] ?? steps[steps.length - 1];
  }

  private decode(msg: JsMsg): EventEnvelope {
    let body: unknown;
    try {
      body = msg.json();
    } catch {
      throw new PermanentEventError('message body is not JSON');
    }
    return validateContract(EventEnvelopeShape, body);
  }

  /** Handles one event exactly once: inbox row, handler writes and emitted events commit together. */
  async process(envelope: EventEnvelope, afterInbox?: (tx: Tx) => Promise<void>): Promise<ProcessOutcome> {
    const handler = this.handlers.get(envelope.type);
    if (!handler) return 'ignored';
    const data = validateContract(handler.event.payload, envelope.data);
    return this.unitOfWork.run(async (tx) => {
      await afterInbox?.(tx);
      const inserted: unknown[] = await tx.manager.query(
        `INSERT INTO ${this.schema}.inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [this.name, envelope.id, envelope.type],
      );
      if (inserted.length === 0) return 'duplicate';
      await handler.handle(data, tx, { ...envelope, data });
      return 'handled';
    });
  }

  private async deadLetter(
    msg: JsMsg,
    envelope: EventEnvelope | undefined,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const message = errorMessage(error);
    await this.dataSource.query(
      `INSERT INTO ${this.schema}.dead_letters
         (id, consumer, event_id, event_type, body, raw, error, deliveries, stream_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (consumer, event_id) DO UPDATE
         SET error = EXCLUDED.error, deliveries = EXCLUDED.deliveries, failed_at = now(), replayed_at = NULL`,
      [
        randomUUID(),
        this.name,
        envelope?.id ?? null,
        envelope?.type ?? msg.headers?.get('cl-event-type') ?? 'unknown',
        envelope ? JSON.stringify(envelope) : null,
        // A body that did not parse is kept (bounded) for diagnosis; valid ones are kept as JSON above.
        envelope ? null : msg.string().slice(0, 65_536),
        message,
        deliveries,
        msg.info.streamSequence,
      ],
    );
    this.log.error(
      { eventId: envelope?.id, type: envelope?.type, deliveries, error: message },
      'dead letter',
    );
  }

  async listDeadLetters(
    options: { ids?: string[]; limit?: number; includeReplayed?: boolean } = {},
  ): Promise<DeadLetterView[]> {
    const rows: DeadLetterRow[] = await this.dataSource.query(
      `SELECT id, consumer, event_id, event_type, error, deliveries, failed_at, replayed_at
       FROM ${this.schema}.dead_letters
       WHERE consumer = $1 AND ($2::uuid[] IS NULL OR id = ANY($2)) AND ($3 OR replayed_at IS NULL)
       ORDER BY failed_at LIMIT $4`,
      [this.name, options.ids ?? null, options.includeReplayed ?? false, options.limit ?? 1000],
    );
    return rows.map((row) => ({
      id: row.id,
      consumer: row.consumer,
      eventId: row.event_id,
      eventType: row.event_type,
      error: row.error,
      deliveries: row.deliveries,
      failedAt: new Date(row.failed_at).toISOString(),
      replayedAt: row.replayed_at ? new Date(row.replayed_at).toISOString() : null,
    }));
  }

  /**
   * Runs pending dead letters through the handler again, on the same exactly-once path; a replayed letter
   * is marked in the same transaction. One that fails again stays pending with its new error.
   */
  async replayDeadLetters(options: { ids?: string[]; limit?: number } = {}): Promise<DeadLetterReplayResult> {
    const result: DeadLetterReplayResult = { replayed: [], failed: [] };
    const rows: { id: string; body: EventEnvelope | null }[] = await this.dataSource.query(
      `SELECT id, body FROM ${this.schema}.dead_letters
       WHERE consumer = $1 AND replayed_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))
       ORDER BY failed_at LIMIT $3`,
      [this.name, options.ids ?? null, options.limit ?? 1000],
    );
    for (const row of rows) {
      try {
        if (!row.body) throw new PermanentEventError('the message could not be decoded; nothing to replay');
        const envelope = validateContract(EventEnvelopeShape, row.body) as unknown as EventEnvelope;
        if (!this.handlers.has(envelope.type)) {
          throw new PermanentEventError(`${this.name} has no handler for ${envelope.type} any more`);
        }
        await runWithContext({ correlationId: acceptCorrelationId(envelope.correlationid) }, () =>
          this.process(envelope, async (tx) => {
            await tx.manager.query(
              `UPDATE ${this.schema}.dead_letters SET replayed_at = now() WHERE id = $1`,
              [row.id],
            );
          }),
        );
        result.replayed.push(row.id);
      } catch (error) {
        const message = errorMessage(error);
        await this.dataSource.query(`UPDATE ${this.schema}.dead_letters SET error = $2 WHERE id = $1`, [
          row.id,
          message,
        ]);
        result.failed.push({ id: row.id, error: message });
      }
    }
    return result;
  }
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string | null;
  event_type: string;
  error: string;
  deliveries: number;
  failed_at: string | Date;
  replayed_at: string | Date | null;
}

function peekCorrelationId(msg: JsMsg): string | undefined {
  try {
    const value = msg.json<{ correlationid?: unknown }>().correlationid;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof DomainError && error.fields?.length) {
    return `${error.message}: ${error.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`.slice(
      0,
      2000,
    );
  }
  return String((error as Error)?.message ?? error).slice(0, 2000);
}
