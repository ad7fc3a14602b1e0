/**
 * What a consumer's handler promises. `handle` runs inside the consumer's transaction: its writes, the events
 * it emits (`tx.publish`) and the inbox row commit together or not at all, so a handler must do its database
 * work through `tx` and must not catch a database error and carry on (decision 0008). A thrown
 * `PermanentEventError` or `DomainError` dead-letters the event at once; any other error is retried.
 */
import type { EventDefinition, EventEnvelope } from '@closeloop/contracts';
import type { Tx } from './unit-of-work';

/** A failure that no retry can fix: the event goes straight to the dead letters. */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
}

/** One event of a batch as `handleBatch` receives it. */
export interface BatchEvent<T> {
  data: T;
  envelope: EventEnvelope<T>;
  correlationId: string;
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
  handleBatch?(events: BatchEvent<T>[], tx: Tx): Promise<void>;
}

export type ProcessOutcome = 'handled' | 'duplicate' | 'ignored';
