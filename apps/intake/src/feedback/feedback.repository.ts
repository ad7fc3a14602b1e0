import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeferredInsert, type Tx } from '@closeloop/messaging';
import { FeedbackEntity } from './entities/feedback.entity';

/**
 * The feedback insert, written with the other rows of its commit group in one statement just before the
 * commit (plain SQL on this hot path: TypeORM's insert builder cost more CPU than the statement itself).
 */
type FeedbackRow = Omit<FeedbackEntity, 'createdAt' | 'ticketOpenedAt' | 'republishedAt'>;

const INSERT_FEEDBACK = new DeferredInsert<FeedbackRow>('intake.feedback', {
  id: 'id',
  ticketNo: 'ticket_no',
  businessDate: 'business_date',
  channel: 'channel',
  channelMessageId: 'channel_message_id',
  idempotencyKey: 'idempotency_key',
  requestHash: 'request_hash',
  customerId: 'customer_id',
  type: 'type',
  category: 'category',
  level: 'level',
  emotion: 'emotion',
  description: 'description',
  customerRequest: 'customer_request',
  expectedBy: 'expected_by',
  storeId: 'store_id',
  receivedAt: 'received_at',
  classifiedBy: 'classified_by',
  createdBy: 'created_by',
  reply: { column: 'reply', json: true },
});

/** An earlier feedback found for a repeated request (I6). */
export interface EarlierFeedback {
  reply: FeedbackEntity['reply'];
  requestHash: string;
  idempotencyKey: string | null;
  /** The user who recorded it. */
  createdBy: string;
  /** The store of its customer (null: no store, or no customer). */
  customerStoreId: string | null;
}

@Injectable()
export class FeedbackRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * I6: an earlier feedback for the same Idempotency-Key or the same channel message, who recorded it and the
   * store of its customer (X1: whether a different caller may be shown the customer).
   */
  async findEarlier(
    idempotencyKey: string | undefined,
    channel: string,
    channelMessageId: string | undefined,
  ): Promise<EarlierFeedback | null> {
    if (!idempotencyKey && !channelMessageId) return null;
    const rows: {
      reply: FeedbackEntity['reply'];
      request_hash: string;
      idempotency_key: string | null;
      created_by: string;
      customer_store_id: string | null;
    }[] = await this.dataSource.query(
      `SELECT f.reply, f.request_hash, f.idempotency_key, f.created_by, c.store_id AS customer_store_id
         FROM intake.feedback f LEFT JOIN intake.customers c ON c.id = f.customer_id
        WHERE f.idempotency_key = $1 OR (f.channel = $2 AND f.channel_message_id = $3)
        LIMIT 1`,
      [idempotencyKey ?? null, channel, channelMessageId ?? null],
    );
    const row = rows[0];
    return row
      ? {
          reply: row.reply,
          requestHash: row.request_hash,
          idempotencyKey: row.idempotency_key,
          createdBy: row.created_by,
          customerStoreId: row.customer_store_id,
        }
      : null;
  }

  /**
   * Adds the feedback to the transaction's deferred inserts: nothing in the transaction reads it back, and
   * a unique violation (a concurrent identical request, I6) then fails the commit, which the caller handles.
   */
  insertAtCommit(tx: Tx, feedback: FeedbackRow): void {
    tx.deferInsert(INSERT_FEEDBACK, feedback);
  }
}
