import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

interface SimpleQueryPool {
  query(text: string): Promise<{ rows: { last_value: number }[] }[]>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Waiter {
  resolve(sequence: number): void;
  reject(error: unknown): void;
}

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
 * Numbers are drawn as blocks: while one draw for a date is on its way, the calls that arrive wait and the
 * next draw takes as many numbers as they need in the same single statement (no timer: a lone call draws
 * at once). The four statements go in one round trip (a simple-protocol multi-statement query, which runs
 * as one implicit transaction block); the only values in it are a date and a count this code checks itself.
 */
@Injectable()
export class TicketNumberRepository {
  /** Calls waiting for the next draw, per business date. */
  private readonly waiting = new Map<string, Waiter[]>();
  /** Dates with a draw on its way. */
  private readonly drawing = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  next(businessDate: string): Promise<number> {
    if (!DATE.test(businessDate)) return Promise.reject(new Error(`not a business date: ${businessDate}`));
    return new Promise<number>((resolve, reject) => {
      const waiters = this.waiting.get(businessDate);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(businessDate, [{ resolve, reject }]);
      this.drawNext(businessDate);
    });
  }

  private drawNext(businessDate: string): void {
    const waiters = this.waiting.get(businessDate);
    if (this.drawing.has(businessDate) || !waiters) return;
    this.waiting.delete(businessDate);
    this.drawing.add(businessDate);
    void this.draw(businessDate, waiters.length)
      .then(
        (last) => waiters.forEach((waiter, i) => waiter.resolve(last - waiters.length + 1 + i)),
        (error: unknown) => waiters.forEach((waiter) => waiter.reject(error)),
      )
      .finally(() => {
        this.drawing.delete(businessDate);
        this.drawNext(businessDate);
      });
  }

  /** Takes `count` numbers for the date; returns the last of them. */
  private async draw(businessDate: string, count: number): Promise<number> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`not a count: ${count}`);
    const pool = (this.dataSource.driver as PostgresDriver).master as SimpleQueryPool;
    const results = await pool.query(
      `BEGIN; SET LOCAL synchronous_commit TO OFF;
       INSERT INTO intake.ticket_counters (business_date, last_value) VALUES ('${businessDate}', ${count})
       ON CONFLICT (business_date) DO UPDATE SET last_value = ticket_counters.last_value + ${count}
       RETURNING last_value;
       COMMIT;`,
    );
    return results[2].rows[0].last_value;
  }
}
