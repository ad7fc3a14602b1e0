import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentCorrelationId } from '@closeloop/observability';
import { quoteIdent } from '@closeloop/persistence';
import { validateContract, type EventDefinition, type EventEnvelope } from '@closeloop/contracts';

/** An event ready for the outbox: its envelope, and the envelope as the JSON text stored and published. */
export interface OutboxEvent<T extends object = object> {
  envelope: EventEnvelope<T>;
  json: string;
}

/** Rows per multi-row INSERT (3 parameters each; Postgres allows 65,535 per statement). */
const ROWS_PER_STATEMENT = 1_000;

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

  /**
   * Validates the payload and builds its envelope, with the correlation id of the current context. Nothing
   * is written: `insert` does that, in the transaction.
   */
  event<T extends object>(
    definition: EventDefinition<T>,
    data: T,
    options: { id?: string; time?: Date } = {},
  ): OutboxEvent<T> {
    // Validated on publish: an invalid payload fails the transaction instead of reaching partners.
    validateContract(definition.payload, data);
    const correlationId = currentCorrelationId();
    const draft = {
      specversion: '1.0' as const,
      id: options.id ?? randomUUID(),
      type: definition.type,
      source: this.source,
      time: (options.time ?? new Date()).toISOString(),
      datacontenttype: 'application/json' as const,
      ...(correlationId ? { correlationid: correlationId } : {}),
      data,
    };
    // JSON drops undefined fields: the envelope returned is exactly what is stored and published.
    const json = JSON.stringify(draft);
    return { envelope: JSON.parse(json) as EventEnvelope<T>, json };
  }

  /** Writes events in one multi-row statement (several beyond 1,000 rows), in the order given. */
  async insert(manager: EntityManager, events: readonly OutboxEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += ROWS_PER_STATEMENT) {
      const chunk = events.slice(start, start + ROWS_PER_STATEMENT);
      const params: unknown[] = [];
      const rows = chunk.map(({ envelope, json }) => {
        params.push(envelope.id, envelope.type, json);
        const n = params.length;
        return `($${n - 2}, $${n - 1}, $${n})`;
      });
      // `seq` (bigserial) follows the order of the VALUES list, so the relay publishes in this order.
      await manager.query(
        `INSERT INTO ${this.table} (id, event_type, envelope) VALUES ${rows.join(', ')}`,
        params,
      );
    }
  }

  /** Builds and writes one event at once (`event` + `insert`). */
  async add<T extends object>(
    manager: EntityManager,
    definition: EventDefinition<T>,
    data: T,
    options: { id?: string; time?: Date } = {},
  ): Promise<EventEnvelope<T>> {
    const event = this.event(definition, data, options);
    await this.insert(manager, [event]);
    return event.envelope;
  }
}
