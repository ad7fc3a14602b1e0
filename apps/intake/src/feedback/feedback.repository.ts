import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { FeedbackEntity } from './entities/feedback.entity';

@Injectable()
export class FeedbackRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** I6: an earlier feedback for the same Idempotency-Key or the same channel message. */
  async findEarlier(
    idempotencyKey: string | undefined,
    channel: string,
    channelMessageId: string | undefined,
  ): Promise<Pick<FeedbackEntity, 'reply' | 'requestHash' | 'idempotencyKey'> | null> {
    if (!idempotencyKey && !channelMessageId) return null;
    const rows: { reply: FeedbackEntity['reply']; request_hash: string; idempotency_key: string | null }[] =
      await this.dataSource.query(
        `SELECT reply, request_hash, idempotency_key FROM intake.feedback
         WHERE idempotency_key = $1 OR (channel = $2 AND channel_message_id = $3)
         LIMIT 1`,
        [idempotencyKey ?? null, channel, channelMessageId ?? null],
      );
    const row = rows[0];
    return row
      ? { reply: row.reply, requestHash: row.request_hash, idempotencyKey: row.idempotency_key }
      : null;
  }

  async insert(manager: EntityManager, feedback: Omit<FeedbackEntity, 'createdAt'>): Promise<void> {
    await manager.getRepository(FeedbackEntity).insert(feedback);
  }
}
