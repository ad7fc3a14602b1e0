import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * I3: hands out the next daily sequence, unique across any number of intake replicas.
 *
 * The counter row is bumped in its own short transaction with `synchronous_commit = off`, so the row lock is
 * held for microseconds instead of for a disk flush: concurrent intakes do not queue behind each other's
 * commits. This is still safe: a number is only used by a feedback whose own (synchronous) commit comes
 * later in the WAL, so flushing that commit also makes the counter durable; a number lost in a crash was
 * never used by a committed feedback. A feedback transaction that fails after allocating leaves a gap, never
 * a duplicate (docs/decisions/0003-ticket-numbers.md).
 */
@Injectable()
export class TicketNumberAllocator {
  constructor(private readonly dataSource: DataSource) {}

  async next(businessDate: string): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('SET LOCAL synchronous_commit TO OFF');
      const rows = (await runner.query(
        `INSERT INTO intake.ticket_counters (business_date, last_value) VALUES ($1, 1)
         ON CONFLICT (business_date) DO UPDATE SET last_value = ticket_counters.last_value + 1
         RETURNING last_value`,
        [businessDate],
      )) as { last_value: number }[];
      await runner.commitTransaction();
      return rows[0].last_value;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}
