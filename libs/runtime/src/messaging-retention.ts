import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createLogger } from '@closeloop/observability';
import { quoteIdent } from '@closeloop/persistence';
import { inBatches, ScheduledJob } from '@closeloop/scheduling';
import type { CommonEnv } from './env';
import { SERVICE_ENV, SERVICE_INFO, type ServiceInfo } from './tokens';

const log = createLogger('messaging-retention');
const MS_PER_DAY = 86_400_000;
/** Rows deleted per statement: short transactions, no long lock on a busy table. */
const BATCH = 5_000;
/** Pruning is due this often (a day's rows at most pile up between runs). */
const PRUNE_EVERY_MS = 3_600_000;
/** Both prune jobs: looked at every HOUSEKEEPING_INTERVAL_SECONDS, due hourly, once across replicas. */
const HOURLY = {
  every: (env: CommonEnv) => env.HOUSEKEEPING_INTERVAL_SECONDS * 1000,
  nextRun: (_self: MessagingRetention, after: Date) => new Date(after.getTime() + PRUNE_EVERY_MS),
};

/**
 * Keeps the messaging tables of every service (libs/persistence's `inbox` and `dead_letters`) from growing
 * forever (issue 14): handled event ids leave the inbox after INBOX_RETENTION_DAYS, dead letters after
 * DEAD_LETTER_RETENTION_DAYS. Scheduled jobs, once across replicas, hourly.
 */
@Injectable()
export class MessagingRetention {
  private readonly schema: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_ENV) private readonly env: CommonEnv,
    @Inject(SERVICE_INFO) info: ServiceInfo,
  ) {
    this.schema = quoteIdent(info.schema);
  }

  @ScheduledJob('inbox-prune', HOURLY)
  async pruneInbox(now = new Date()): Promise<number> {
    return this.prune('inbox', 'ctid', 'processed_at', this.env.INBOX_RETENTION_DAYS, now);
  }

  @ScheduledJob('dead-letters-prune', HOURLY)
  async pruneDeadLetters(now = new Date()): Promise<number> {
    return this.prune('dead_letters', 'id', 'failed_at', this.env.DEAD_LETTER_RETENTION_DAYS, now);
  }

  /** Deletes the table's rows whose `column` is older than `days` before `now`, `key` naming them per batch. */
  private async prune(
    table: 'inbox' | 'dead_letters',
    key: 'ctid' | 'id',
    column: 'processed_at' | 'failed_at',
    days: number,
    now: Date,
  ): Promise<number> {
    const before = new Date(now.getTime() - days * MS_PER_DAY);
    const deleted = await inBatches(BATCH, async () => {
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `DELETE FROM ${this.schema}.${table} WHERE ${key} = ANY(ARRAY(
           SELECT ${key} FROM ${this.schema}.${table} WHERE ${column} < $1 LIMIT ${BATCH}))`,
        [before],
      );
      return count;
    });
    if (deleted > 0) log.info({ deleted, before, table }, 'messaging table pruned');
    return deleted;
  }
}
