import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentCorrelationId } from '@closeloop/observability';
import { rejectUnknownFields, type EventDefinition, type EventEnvelope } from '@closeloop/contracts';
import {
  DeferredInsert,
  insertRows,
  insertStatements,
  quoteIdent,
  UnnestInsert,
  type Statement,
} from '@closeloop/persistence';

/** An event ready for the outbox: its envelope, and the envelope as the JSON text stored and published. */
export interface OutboxEvent<T extends object = object> {
  envelope: EventEnvelope<T>;
  json: string;
}

/** An outbox row as written (`seq`, `attempts` and the rest take their defaults). */
interface OutboxRow {
  id: string;
  type: string;
  /** The envelope as JSON text (already serialized once, for publishing). */
  json: string;
}

/**
 * Writes events into the service's outbox inside the caller's transaction, so the state change and the
 * event commit together or not at all. The relay publishes them after the commit.
 */
export class OutboxWriter {
  private readonly rows: DeferredInsert<OutboxRow>;
  private readonly republished: UnnestInsert<OutboxRow>;

  constructor(
    schema: string,
    private readonly source: string,
  ) {
    const table = `${quoteIdent(schema)}.outbox`;
    this.rows = new DeferredInsert<OutboxRow>(table, { id: 'id', type: 'event_type', json: 'envelope' });
    this.republished = new UnnestInsert<OutboxRow>(
      table,
      { id: ['id', 'uuid'], type: ['event_type', 'text'], json: ['envelope', 'jsonb'] },
      'ON CONFLICT (id) DO UPDATE SET sent_at = NULL, attempts = 0, last_error = NULL',
    );
  }

  /**
   * Checks the payload's shape and builds its envelope, with the correlation id of the current context.
   * Nothing is written: `insert` does that, in the transaction.
   *
   * A field the contract does not declare fails the transaction (no phone or name can reach partners by a
   * spread). The values are not validated again here: our code built the payload with the contract's type
   * from validated input, and every consumer validates what it receives (decision 0008). Full validation
   * here was a large share of every service's CPU (see docs/decisions/0008).
   */
  event<T extends object>(
    definition: EventDefinition<T>,
    data: T,
    options: { id?: string; time?: Date } = {},
  ): OutboxEvent<T> {
    rejectUnknownFields(definition.payload, data);
    const correlationId = currentCorrelationId();
    const envelope: EventEnvelope<T> = {
      specversion: '1.0',
      id: options.id ?? randomUUID(),
      type: definition.type,
      source: this.source,
      time: (options.time ?? new Date()).toISOString(),
      datacontenttype: 'application/json',
      ...(correlationId ? { correlationid: correlationId } : {}),
      data,
    };
    // Fields set to undefined are left out of the JSON, as they would be on the wire anyway.
    return { envelope, json: JSON.stringify(envelope) };
  }

  /** Writes events in multi-row statements, in the order given (`seq` follows the VALUES order). */
  async insert(manager: EntityManager, events: readonly OutboxEvent[]): Promise<void> {
    await insertRows(manager, this.rows, this.values(events));
  }

  /** The INSERTs of `insert` (values as parameters), to send with other statements in one round trip. */
  insertStatements(events: readonly OutboxEvent[]): Statement[] {
    return insertStatements(this.rows, this.values(events));
  }

  /**
   * Puts events back in the outbox to be published again with their ORIGINAL ids (event reconciliation,
   * issue 14): JetStream's duplicate window and every consumer's inbox drop them where they did arrive. An
   * event whose row is still kept (OUTBOX_RETENTION_SECONDS) goes out again as it was first stored; one whose
   * row was deleted is written again as rebuilt by the caller. Values are bind parameters. The caller kicks
   * the relay after its commit.
   */
  async republish(manager: EntityManager, events: readonly OutboxEvent[]): Promise<void> {
    await this.republished.run(manager, this.values(events));
  }

  private values(events: readonly OutboxEvent[]): OutboxRow[] {
    return events.map(({ envelope, json }) => ({ id: envelope.id, type: envelope.type, json }));
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
