import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentCorrelationId } from '@closeloop/observability';
import { quoteIdent } from '@closeloop/persistence';
import { validateContract, type EventDefinition, type EventEnvelope } from '@closeloop/contracts';

/**
 * Writes events into the service's outbox inside the caller's transaction, so the state change and the
 * event commit together or not at all. The relay publishes them after the commit.
 */
export class OutboxWriter {
  private readonly table: string;

  constructor(
    schema: string,
    private readonly source: string,
  ) {
    this.table = `${quoteIdent(schema)}.outbox`;
  }

  async add<T extends object>(
    manager: EntityManager,
    definition: EventDefinition<T>,
    data: T,
    options: { id?: string; time?: Date } = {},
  ): Promise<EventEnvelope<T>> {
    // Validated on publish: an invalid payload fails the transaction instead of reaching partners.
    validateContract(definition.payload, data);
    const envelope: EventEnvelope<T> = {
      specversion: '1.0',
      id: options.id ?? randomUUID(),
      type: definition.type,
      source: this.source,
      time: (options.time ?? new Date()).toISOString(),
      datacontenttype: 'application/json',
      ...(currentCorrelationId() ? { correlationid: currentCorrelationId() } : {}),
      data: stripUndefined(data),
    };
    await manager.query(`INSERT INTO ${this.table} (id, event_type, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      envelope.type,
      JSON.stringify(envelope),
    ]);
    return envelope;
  }
}

function stripUndefined<T extends object>(data: T): T {
  return JSON.parse(JSON.stringify(data)) as T;
}
