import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';
import { EventConsumer, UnitOfWork, type EventHandler, type MessagingConfig } from '@closeloop/messaging';
import {
  JETSTREAM_MANAGER,
  MESSAGING_CONFIG,
  NATS_CONNECTION,
  SERVICE_INFO,
  type ServiceInfo,
} from './tokens';
import { ServiceMetrics } from './metrics';

/** A consumer's own limits: each at most the service's setting (`EVENT_BATCH_SIZE`, `EVENT_CONSUMER_CONCURRENCY`). */
export interface ConsumerLimits {
  batchSize?: number;
  concurrency?: number;
}

/**
 * The service's durable consumers, one per `consumer` name of its `@EventPattern` methods: `MessagingTransport`
 * registers and starts them once the stream exists and stops them on shutdown; the platform's dead-letter
 * admin and metrics read them. Internal to the platform (not exported to feature modules).
 */
@Injectable()
export class ConsumerRegistry {
  private readonly consumers = new Map<string, EventConsumer>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly unitOfWork: UnitOfWork,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager,
    @Inject(MESSAGING_CONFIG) private readonly config: MessagingConfig,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly metrics: ServiceMetrics,
  ) {}

  /** `purpose` names the consumer: the durable is `<service>-<purpose>`. */
  register(purpose: string, handlers: EventHandler<object>[], limits: ConsumerLimits = {}): EventConsumer {
    const name = `${this.info.service}-${purpose}`;
    if (this.consumers.has(name)) throw new Error(`consumer ${name} registered twice`);
    const consumer = new EventConsumer(
      name,
      handlers,
      this.dataSource,
      this.unitOfWork,
      this.nc,
      this.jsm,
      this.info.schema,
      {
        ...this.config,
        consumerBatchSize: Math.min(limits.batchSize ?? Infinity, this.config.consumerBatchSize),
        consumerConcurrency: Math.min(limits.concurrency ?? Infinity, this.config.consumerConcurrency),
      },
      this.metrics,
    );
    this.consumers.set(name, consumer);
    return consumer;
  }

  all(): EventConsumer[] {
    return [...this.consumers.values()];
  }

  get(name: string): EventConsumer | undefined {
    return this.consumers.get(name);
  }
}
