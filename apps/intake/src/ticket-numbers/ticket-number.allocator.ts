import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

interface SimpleQueryPool {
  query(text: string): Promise<{ rows: { last_value: number }[] }[]>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * I3: hands out the next daily sequence, unique across any number of intake replicas.
 *
 * The counter row is bumped in its own short transaction with `synchronous_commit = off`, so the row lock is
 * held for microseconds instead of for a disk flush: concurrent intakes do not queue behind each other's
 * commits. This is still safe: a number is only used by a feedback whose own (synchronous) commit comes
 * later in the WAL, so flushing that commit also makes the counter durable; a number lost in a crash was
 * never used by a committed feedback. A feedback transaction that fails after allocating leaves a gap, never
 * a duplicate (docs/decisions/0003-ticket-numbers.md).
 *
 * The four statements go in one round trip (a simple-protocol multi-statement query, which runs as one
 * implicit transaction block); the only value in it is a date this code formats and checks itself.
 */
@Injectable()
export class TicketNumberAllocator {
  constructor(private readonly dataSource: DataSource) {}

  async next(businessDate: string): Promise<number> {
    if (!DATE.test(businessDate)) throw new Error(`not a business date: ${businessDate}`);
    const pool = (this.dataSource.driver as PostgresDriver).master as SimpleQueryPool;
    const results = await pool.query(
      `BEGIN; SET LOCAL synchronous_commit TO OFF;
       INSERT INTO intake.ticket_counters (business_date, last_value) VALUES ('${businessDate}', 1)
       ON CONFLICT (business_date) DO UPDATE SET last_value = ticket_counters.last_value + 1
       RETURNING last_value;
       COMMIT;`,
    );
    return results[2].rows[0].last_value;
  }
}
