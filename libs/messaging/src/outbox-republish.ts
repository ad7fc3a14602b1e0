import type { EntityManager } from 'typeorm';
import { quoteIdent } from '@closeloop/persistence';
import type { OutboxEvent } from './outbox';

/**
 * Puts events back in the outbox to be published again with their ORIGINAL ids (event reconciliation,
 * issue 14): JetStream's duplicate window and every consumer's inbox drop them where they did arrive. An
 * event whose row is still kept (OUTBOX_RETENTION_SECONDS) goes out again as it was first stored; one whose
 * row was deleted is written again as rebuilt by the caller. Values are bind parameters. The caller kicks
 * the relay after its commit.
 */
export async function republishEvents(
  manager: EntityManager,
  schema: string,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await manager.query(
    `INSERT INTO ${quoteIdent(schema)}.outbox (id, event_type, envelope)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])
     ON CONFLICT (id) DO UPDATE SET sent_at = NULL, attempts = 0, last_error = NULL`,
    [events.map((e) => e.envelope.id), events.map((e) => e.envelope.type), events.map((e) => e.json)],
  );
}
