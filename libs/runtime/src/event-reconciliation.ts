import type { DataSource, EntityManager } from 'typeorm';
import type { OutboxEvent, OutboxRelay, OutboxWriter } from '@closeloop/messaging';
import { inBatches } from '@closeloop/scheduling';

/** What one event reconciliation job knows: which rows lost their event, the event rebuilt, the mark. */
export interface LostEvents<R> {
  /** Locks up to `limit` rows whose event was not seen in time (FOR UPDATE SKIP LOCKED). */
  lock(manager: EntityManager, limit: number): Promise<R[]>;
  /** The row's event under its ORIGINAL id, so consumers that did get it drop it as a duplicate. */
  event(row: R): OutboxEvent;
  /** Records that the row's event went out again, so the next run leaves it for a while. */
  markRepublished(manager: EntityManager, rows: R[]): Promise<void>;
}

/**
 * One run of an event reconciliation job (issue 14): in transactions of `batch` rows, puts the lost rows'
 * events back in the service's outbox and marks them, until a short batch or the run's cancellation (the
 * claim lost, shutdown); then kicks the relay once. Returns how many events were published again.
 */
export async function republishLostEvents<R>(
  dataSource: DataSource,
  outbox: OutboxWriter,
  relay: OutboxRelay,
  batch: number,
  lost: LostEvents<R>,
): Promise<number> {
  const total = await inBatches(batch, () =>
    dataSource.transaction(async (manager) => {
      const rows = await lost.lock(manager, batch);
      await outbox.republish(
        manager,
        rows.map((row) => lost.event(row)),
      );
      await lost.markRepublished(manager, rows);
      return rows.length;
    }),
  );
  if (total > 0) relay.kick();
  return total;
}
