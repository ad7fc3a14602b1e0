/**
 * The JetStream side of a consumer: a durable pull consumer with explicit ack, created or brought to the
 * wanted settings at start (idempotent), pulling about one batch ahead. Each message is given to `deliver`,
 * whose promise is awaited before the next is taken: that is the back-pressure (the broker is asked for
 * more only as messages are taken). A broker that lost its store (stream or durable gone) is survived by
 * re-creating both and pulling again until stopped. Settling a message (ack, nak, term) is not done here.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { createLogger, errorFields } from '@closeloop/observability';
import type { MessagingConfig } from './config';
import { ensureEventStream, isNotFound } from './nats';

export class JetStreamPull {
  private readonly log = createLogger('event-consumer');
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;

  constructor(
    /** Durable name. */
    private readonly name: string,
    private readonly filterSubject: string,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly config: MessagingConfig,
    private readonly deliver: (msg: JsMsg) => Promise<void>,
  ) {}

  /** Creates the durable consumer if needed (idempotent) and starts pulling. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.ensureConsumer();
    this.messages = await this.consume();
    this.loop = this.pull();
  }

  /** Stops asking the broker for messages; `ended()` resolves once the pull loop returned. */
  async stopPulling(): Promise<void> {
    this.stopping = true;
    await this.messages?.close();
  }

  async ended(): Promise<void> {
    await this.loop;
  }

  /** Events delivered and not yet acknowledged (waiting, and in flight), as JetStream counts them. */
  async pending(): Promise<number> {
    const info = await this.jsm.consumers.info(this.config.streamName, this.name);
    return info.num_pending + info.num_ack_pending;
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
      filter_subject: this.filterSubject,
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
        for await (const msg of this.messages) await this.deliver(msg);
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
}
