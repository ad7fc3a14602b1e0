import type { EntityManager } from 'typeorm';
import { quoteIdent, UnnestInsert } from '@closeloop/persistence';
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
  const insert = new UnnestInsert<{ id: string; type: string; json: string }>(
    `${quoteIdent(schema)}.outbox`,
    { id: ['id', 'uuid'], type: ['event_type', 'text'], json: ['envelope', 'jsonb'] },
    'ON CONFLICT (id) DO UPDATE SET sent_at = NULL, attempts = 0, last_error = NULL',
  );
  await insert.run(
    manager,
    events.map((e) => ({ id: e.envelope.id, type: e.envelope.type, json: e.json })),
  );
}
