import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import { streamNameFor } from '@closeloop/messaging';
import { requireEnv } from './database';

/** A subject prefix of its own for one test file, so runs never see each other's messages. */
export function testPrefix(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export async function testNats(): Promise<NatsConnection> {
  return connect({ servers: requireEnv('NATS_URL'), name: 'closeloop-test' });
}

export async function deleteTestStream(prefix: string): Promise<void> {
  const nc = await testNats();
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNameFor(prefix)).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

export interface ReceivedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  correlationid?: string;
}

/**
 * A durable consumer standing in for a partner system: it acks everything it sees on `filter` under the
 * prefix and keeps what it saw.
 */
export class PartnerConsumer {
  readonly events: ReceivedEvent[] = [];
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;

  private constructor(private readonly nc: NatsConnection) {}

  static async start(prefix: string, durable: string, eventType: string): Promise<PartnerConsumer> {
    const nc = await testNats();
    const partner = new PartnerConsumer(nc);
    const jsm = await jetstreamManager(nc);
    const stream = streamNameFor(prefix);
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: `${prefix}.events.${eventType}`,
    });
    const consumer = await jetstream(nc).consumers.get(stream, durable);
    partner.messages = await consumer.consume({ max_messages: 500 });
    partner.loop = (async () => {
      for await (const msg of partner.messages!) {
        partner.events.push(msg.json<ReceivedEvent>());
        msg.ack();
      }
    })();
    return partner;
  }

  distinctIds(): Set<string> {
    return new Set(this.events.map((event) => event.id));
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.loop;
    await this.nc.close();
  }
}

/**
 * Publishes an event envelope onto a test prefix's stream as another service would. `times` > 1 sends the
 * same envelope (same event id) under fresh message ids: past the stream's duplicate window, only the
 * consumers' inboxes stop the repeat.
 */
export async function publishTestEvent(
  prefix: string,
  type: `${string}.${string}.v${number}`,
  data: object,
  options: { id?: string; source?: string; times?: number } = {},
): Promise<string> {
  const id = options.id ?? randomUUID();
  const envelope = {
    specversion: '1.0',
    id,
    type,
    source: options.source ?? 'closeloop/test',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  };
  const nc = await testNats();
  try {
    for (let i = 0; i < (options.times ?? 1); i++) {
      await jetstream(nc).publish(`${prefix}.events.${type}`, JSON.stringify(envelope), {
        msgID: i === 0 ? id : randomUUID(),
      });
    }
  } finally {
    await nc.close();
  }
  return id;
}
