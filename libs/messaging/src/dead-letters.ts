/**
 * Dead letters: the events a consumer gave up on, one row per (consumer, event id) in
 * `<schema>.dead_letters` with the error text, the deliveries, the stream sequence and the envelope (or,
 * for a body that did not decode, the raw text, bounded). Recording one again (it failed again after a
 * replay) updates the row and makes it pending again. A replay runs the envelope through the consumer's
 * exactly-once path and marks the letter in that same transaction; one that fails again stays pending with
 * its new error (decision 0002). Rows hold ids and error texts only, like the events themselves (X1).
 */
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DeferredInsert, insertRows } from '@closeloop/persistence';
import type { JsMsg } from '@nats-io/jetstream';
import { runWithContext, acceptCorrelationId, createLogger } from '@closeloop/observability';
import {
  DomainError,
  EventEnvelopeShape,
  validateContract,
  type DeadLetterReplayResult,
  type DeadLetterView,
  type EventEnvelope,
} from '@closeloop/contracts';
import { PermanentEventError } from './event-handler';
import type { Tx } from './unit-of-work';

/** A dead letter as written (`failed_at` takes its default). */
interface LetterRow {
  id: string;
  consumer: string;
  eventId: string | null;
  eventType: string;
  body: EventEnvelope | null;
  raw: string | null;
  error: string;
  deliveries: number;
  streamSeq: number;
}

export class DeadLetters {
  private readonly log = createLogger('event-consumer');
  /** Recording a letter again (it failed again after a replay) updates it and makes it pending again. */
  private readonly insertLetter: DeferredInsert<LetterRow>;

  constructor(
    /** The consumer's durable name. */
    private readonly consumer: string,
    private readonly dataSource: DataSource,
    /** The service's schema, already quoted. */
    private readonly schema: string,
  ) {
    this.insertLetter = new DeferredInsert<LetterRow>(
      `${schema}.dead_letters`,
      {
        id: 'id',
        consumer: 'consumer',
        eventId: 'event_id',
        eventType: 'event_type',
        body: { column: 'body', json: true },
        raw: 'raw',
        error: 'error',
        deliveries: 'deliveries',
        streamSeq: 'stream_seq',
      },
      `ON CONFLICT (consumer, event_id) DO UPDATE
         SET error = EXCLUDED.error, deliveries = EXCLUDED.deliveries, failed_at = now(), replayed_at = NULL`,
    );
  }

  /** Records (or records again) a failed delivery. */
  async record(
    msg: JsMsg,
    envelope: EventEnvelope | undefined,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const message = errorMessage(error);
    await insertRows(this.dataSource.manager, this.insertLetter, [
      {
        id: randomUUID(),
        consumer: this.consumer,
        eventId: envelope?.id ?? null,
        eventType: envelope?.type ?? msg.headers?.get('cl-event-type') ?? 'unknown',
        body: envelope ?? null,
        // A body that did not parse is kept (bounded) for diagnosis; valid ones are kept as JSON above.
        raw: envelope ? null : msg.string().slice(0, 65_536),
        error: message,
        deliveries,
        streamSeq: msg.info.streamSequence,
      },
    ]);
    this.log.error(
      { eventId: envelope?.id, type: envelope?.type, deliveries, error: message },
      'dead letter',
    );
  }

  async list(
    options: { ids?: string[]; limit?: number; includeReplayed?: boolean } = {},
  ): Promise<DeadLetterView[]> {
    const rows: DeadLetterRow[] = await this.dataSource.query(
      `SELECT id, consumer, event_id, event_type, error, deliveries, failed_at, replayed_at
       FROM ${this.schema}.dead_letters
       WHERE consumer = $1 AND ($2::uuid[] IS NULL OR id = ANY($2)) AND ($3 OR replayed_at IS NULL)
       ORDER BY failed_at LIMIT $4`,
      [this.consumer, options.ids ?? null, options.includeReplayed ?? false, options.limit ?? 1000],
    );
    return rows.map((row) => ({
      id: row.id,
      consumer: row.consumer,
      eventId: row.event_id,
      eventType: row.event_type,
      error: row.error,
      deliveries: row.deliveries,
      failedAt: new Date(row.failed_at).toISOString(),
      replayedAt: row.replayed_at ? new Date(row.replayed_at).toISOString() : null,
    }));
  }

  /**
   * Runs pending dead letters through `process` (the consumer's exactly-once path), which calls the given
   * step on its transaction: that marks the letter replayed in the same commit.
   */
  async replay(
    options: { ids?: string[]; limit?: number },
    handles: (type: string) => boolean,
    process: (envelope: EventEnvelope, afterInbox: (tx: Tx) => Promise<void>) => Promise<unknown>,
  ): Promise<DeadLetterReplayResult> {
    const result: DeadLetterReplayResult = { replayed: [], failed: [] };
    const rows: { id: string; body: EventEnvelope | null }[] = await this.dataSource.query(
      `SELECT id, body FROM ${this.schema}.dead_letters
       WHERE consumer = $1 AND replayed_at IS NULL AND ($2::uuid[] IS NULL OR id = ANY($2))
       ORDER BY failed_at LIMIT $3`,
      [this.consumer, options.ids ?? null, options.limit ?? 1000],
    );
    for (const row of rows) {
      try {
        if (!row.body) throw new PermanentEventError('the message could not be decoded; nothing to replay');
        const envelope = validateContract(EventEnvelopeShape, row.body) as unknown as EventEnvelope;
        if (!handles(envelope.type)) {
          throw new PermanentEventError(`${this.consumer} has no handler for ${envelope.type} any more`);
        }
        await runWithContext({ correlationId: acceptCorrelationId(envelope.correlationid) }, () =>
          process(envelope, async (tx) => {
            await tx.manager.query(
              `UPDATE ${this.schema}.dead_letters SET replayed_at = now() WHERE id = $1`,
              [row.id],
            );
          }),
        );
        result.replayed.push(row.id);
      } catch (error) {
        const message = errorMessage(error);
        await this.dataSource.query(`UPDATE ${this.schema}.dead_letters SET error = $2 WHERE id = $1`, [
          row.id,
          message,
        ]);
        result.failed.push({ id: row.id, error: message });
      }
    }
    return result;
  }
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string | null;
  event_type: string;
  error: string;
  deliveries: number;
  failed_at: string | Date;
  replayed_at: string | Date | null;
}

function errorMessage(error: unknown): string {
  if (error instanceof DomainError && error.fields?.length) {
    return `${error.message}: ${error.fields.map((f) => `${f.field} ${f.message}`).join('; ')}`.slice(
      0,
      2000,
    );
  }
  return String((error as Error)?.message ?? error).slice(0, 2000);
}
