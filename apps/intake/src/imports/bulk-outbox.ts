import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { OutboxRelay } from '@closeloop/messaging';
import { currentCorrelationId } from '@closeloop/observability';
import { SERVICE_INFO, type ServiceInfo } from '@closeloop/runtime';
import { validateContract, type EventDefinition, type EventEnvelope } from '@closeloop/contracts';

/**
 * Many events of one type into the outbox in one statement, inside the caller's transaction: the nightly
 * segment pass and bulk imports emit thousands per batch, and one INSERT each (Tx.publish) cost more than the
 * batch's own work. The envelopes are exactly those OutboxWriter builds (validated payload, CloudEvents
 * fields, correlation id); the relay publishes them like any other row.
 * TODO(messaging): an `OutboxWriter.addMany` in libs/messaging would replace this (another helper's area).
 */
@Injectable()
export class BulkOutbox {
  constructor(
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    private readonly relay: OutboxRelay,
  ) {}

  async add<T extends object>(
    manager: EntityManager,
    definition: EventDefinition<T>,
    payloads: T[],
  ): Promise<void> {
    if (payloads.length === 0) return;
    const time = new Date().toISOString();
    const correlationId = currentCorrelationId();
    const envelopes: EventEnvelope<T>[] = payloads.map((data) => {
      validateContract(definition.payload, data);
      return {
        specversion: '1.0',
        id: randomUUID(),
        type: definition.type,
        source: `closeloop/${this.info.service}`,
        time,
        datacontenttype: 'application/json',
        ...(correlationId ? { correlationid: correlationId } : {}),
        data: JSON.parse(JSON.stringify(data)) as T,
      };
    });
    await manager.query(
      `INSERT INTO ${this.info.schema}.outbox (id, event_type, envelope)
       SELECT id, $2, envelope FROM unnest($1::uuid[], $3::jsonb[]) AS v(id, envelope)`,
      [envelopes.map((e) => e.id), definition.type, envelopes.map((e) => JSON.stringify(e))],
    );
  }

  /** Wakes the relay (it also polls): call after the transaction committed. */
  kick(): void {
    this.relay.kick();
  }
}
