/**
 * The inbox: handles events exactly once per consumer. Each transaction first inserts `(consumer, event id)`
 * into `<schema>.inbox` (`ON CONFLICT DO NOTHING`); only the events whose row is new reach their handlers, on
 * the same transaction, so the inbox rows, the handlers' writes and the events they emit commit together. A
 * redelivered or re-published event finds its row and changes nothing. Acking the message is the caller's
 * job, after this resolves (decision 0002).
 */
import { runWithContext } from '@closeloop/observability';
import type { EventEnvelope } from '@closeloop/contracts';
import type { EventHandler } from './event-handler';
import { DeferredInsert, insertRows, UnnestInsert } from '@closeloop/persistence';
import type { Tx, UnitOfWork } from './unit-of-work';

/** An inbox row as written (`received_at` takes its default). */
interface InboxRow {
  consumer: string;
  eventId: string;
  eventType: string;
}

/** An event decoded and validated against its handler's contract, ready for the inbox. */
export interface InboxEvent {
  envelope: EventEnvelope;
  data: object;
  handler: EventHandler<object>;
  correlationId: string;
}

export class Inbox {
  /** One event's row; it comes back only when new. */
  private readonly insertOne: DeferredInsert<InboxRow, { event_id: string }>;
  /** A batch's rows; those that were new come back. */
  private readonly insertMany: UnnestInsert<InboxRow, { event_id: string }>;

  constructor(
    /** The consumer's durable name: inbox rows are per consumer. */
    private readonly consumer: string,
    /** The service's schema, already quoted. */
    schema: string,
    private readonly unitOfWork: UnitOfWork,
  ) {
    const table = `${schema}.inbox`;
    const suffix = 'ON CONFLICT DO NOTHING RETURNING event_id';
    this.insertOne = new DeferredInsert(
      table,
      { consumer: 'consumer', eventId: 'event_id', eventType: 'event_type' },
      suffix,
    );
    this.insertMany = new UnnestInsert(
      table,
      { consumer: ['consumer', 'text'], eventId: ['event_id', 'uuid'], eventType: ['event_type', 'text'] },
      suffix,
    );
  }

  /**
   * Handles one event exactly once: inbox row, handler writes and emitted events commit together.
   * `afterInbox` runs first on the same transaction (a replayed dead letter marks itself there).
   */
  async runOne(
    envelope: EventEnvelope,
    data: object,
    handler: EventHandler<object>,
    afterInbox?: (tx: Tx) => Promise<void>,
  ): Promise<'handled' | 'duplicate'> {
    return this.unitOfWork.run(async (tx) => {
      await afterInbox?.(tx);
      const inserted = await insertRows(tx.manager, this.insertOne, [
        { consumer: this.consumer, eventId: envelope.id, eventType: envelope.type },
      ]);
      if (inserted.length === 0) return 'duplicate';
      await handler.handle(data, tx, { ...envelope, data });
      return 'handled';
    });
  }

  /**
   * Handles several events exactly once in one transaction: one multi-row inbox insert tells which are
   * new, their handlers run one after another (each in its event's correlation context; batch handlers
   * after the others, once per handler), and everything they wrote and emitted commits with the inbox rows.
   * Returns the events handled (the others were duplicates). Any failure rejects: nothing was committed.
   */
  async runBatch<D extends InboxEvent>(batch: D[]): Promise<Set<D>> {
    // The same event twice in one batch (re-published under another message id): handled once, both acked.
    const byId = new Map<string, D>();
    for (const delivered of batch)
      if (!byId.has(delivered.envelope.id)) byId.set(delivered.envelope.id, delivered);
    const unique = [...byId.values()];
    return this.unitOfWork.run(async (tx) => {
      const inserted = await this.insertMany.run(
        tx.manager,
        unique.map((d) => ({ consumer: this.consumer, eventId: d.envelope.id, eventType: d.envelope.type })),
      );
      const fresh = new Set(inserted.map((row) => row.event_id));
      const batched = new Map<EventHandler<object>, D[]>();
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
}
