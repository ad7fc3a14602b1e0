/**
 * A consumer of events: what a delivered message becomes. It puts together the JetStream pull
 * (`jetstream-pull.ts`), the delivery queue that forms batches (`delivery-queue.ts`), the inbox that makes
 * handling exactly-once (`inbox.ts`) and the dead letters (`dead-letters.ts`), and decides how each message
 * is settled: acked after its transaction committed; nak'ed with backoff after a transient failure; after
 * `maxDeliveries` failures (or at once, for an invalid or permanently failing event) recorded as a dead
 * letter and terminated. Decisions 0002 and 0008.
 */
import type { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamManager, JsMsg } from '@nats-io/jetstream';
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
  type EventEnvelope,
} from '@closeloop/contracts';
import type { MessagingConfig } from './config';
import { DeadLetters } from './dead-letters';
import { DeliveryQueue } from './delivery-queue';
import { PermanentEventError, type EventHandler, type ProcessOutcome } from './event-handler';
import { Inbox, type InboxEvent } from './inbox';
import { JetStreamPull } from './jetstream-pull';
import { NO_OBSERVER, type MessagingObserver } from './observer';
import type { Tx, UnitOfWork } from './unit-of-work';

export {
  PermanentEventError,
  type BatchEvent,
  type EventHandler,
  type ProcessOutcome,
} from './event-handler';

/** A delivered event, decoded and validated, with the handler it goes to. */
interface Delivered extends InboxEvent {
  msg: JsMsg;
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
  /** `<prefix>.events.`: what precedes the event type in a subject. */
  private readonly subjectPrefix: string;
  private readonly inbox: Inbox;
  private readonly deadLetters: DeadLetters;
  private readonly queue: DeliveryQueue<JsMsg>;
  private readonly jetstream: JetStreamPull;

  constructor(
    /** Durable name, unique per consuming service and purpose, e.g. `routing-feedback`. */
    readonly name: string,
    handlers: EventHandler<object>[],
    dataSource: DataSource,
    unitOfWork: UnitOfWork,
    nc: NatsConnection,
    jsm: JetStreamManager,
    schema: string,
    private readonly config: MessagingConfig,
    private readonly observer: MessagingObserver = NO_OBSERVER,
  ) {
    for (const handler of handlers) this.handlers.set(handler.event.type, handler);
    const quoted = quoteIdent(schema);
    this.subjectPrefix = eventSubject(config.prefix, '' as EventEnvelope['type']);
    this.inbox = new Inbox(name, quoted, unitOfWork);
    this.deadLetters = new DeadLetters(name, dataSource, quoted);
    this.queue = new DeliveryQueue(config.consumerBatchSize, config.consumerConcurrency, (batch) =>
      this.handleBatch(batch),
    );
    this.jetstream = new JetStreamPull(name, this.filterSubject(), nc, jsm, config, (msg) =>
      this.queue.accept(msg),
    );
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
    this.queue.open();
    await this.jetstream.start();
  }

  async stop(): Promise<void> {
    await this.jetstream.stopPulling();
    this.queue.close();
    await this.jetstream.ended();
    // Messages already taken from the broker are handled, not left to time out.
    await this.queue.drain();
  }

  /** Events delivered and not yet acknowledged (waiting, and in flight), as JetStream counts them. */
  pending(): Promise<number> {
    return this.jetstream.pending();
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
        const handled = await this.inbox.runBatch(batch);
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
            await this.deadLetters.record(msg, envelope, error, deliveries);
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
    return this.inbox.runOne(envelope, data, handler, afterInbox);
  }

  listDeadLetters(
    options: { ids?: string[]; limit?: number; includeReplayed?: boolean } = {},
  ): Promise<DeadLetterView[]> {
    return this.deadLetters.list(options);
  }

  /**
   * Runs pending dead letters through the handler again, on the same exactly-once path; a replayed letter
   * is marked in the same transaction. One that fails again stays pending with its new error.
   */
  replayDeadLetters(options: { ids?: string[]; limit?: number } = {}): Promise<DeadLetterReplayResult> {
    return this.deadLetters.replay(
      options,
      (type) => this.handlers.has(type),
      (envelope, afterInbox) => this.process(envelope, afterInbox),
    );
  }
}

function peekCorrelationId(msg: JsMsg): string | undefined {
  try {
    const value = msg.json<{ correlationid?: unknown }>().correlationid;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
